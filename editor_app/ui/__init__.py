"""Qt widgets, dialogs, the embedded browser and the background-task runner."""

; Inno Setup script for the Windows installer of editor-app.
; Build the bundle first (`python packaging\build.py`), then:
;   iscc /DAppVersion=0.1.0 packaging\windows\editor-app.iss
; The installer is written to dist\.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{5B0E1D8A-6F0C-4C8E-9B7A-2E6E3A1C9D41}
AppName=Editor App
AppVersion={#AppVersion}
AppPublisher=editor-app
DefaultDirName={autopf}\Editor App
DefaultGroupName=Editor App
UninstallDisplayIcon={app}\editor-app.exe
OutputDir=..\..\dist
OutputBaseFilename=editor-app-{#AppVersion}-windows-setup
SetupIconFile=..\icons\editor-app.ico
Compression=lzma2
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequiredOverridesAllowed=dialog
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "..\..\dist\editor-app\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Editor App"; Filename: "{app}\editor-app.exe"
Name: "{group}\Uninstall Editor App"; Filename: "{uninstallexe}"
Name: "{autodesktop}\Editor App"; Filename: "{app}\editor-app.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\editor-app.exe"; Description: "{cm:LaunchProgram,Editor App}"; Flags: nowait postinstall skipifsilent

"""A desktop content editor for static sites configured for Decap CMS."""

__version__ = "0.1.0"

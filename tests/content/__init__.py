"""Tests of the Qt-free content layer: formats, slugs, templates."""

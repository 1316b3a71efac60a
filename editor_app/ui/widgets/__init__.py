"""Building blocks of the entry editor: field editors, the entry form, the markdown editor and preview."""

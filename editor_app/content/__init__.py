"""Site content: entries, formats, slugs, summaries and widget value rules (Qt-free, network-free).

- `formats`: `parse_entry` / `open_entry` / `dump_entry` / `resolve_format` for every Decap format,
  byte-exact round trips.
- `slugs`: slug and path templates, sanitising, unique slugs, i18n paths, path safety.
- `templates`: `{{...}}` templates with Decap's filters; entry summaries.
- `media_paths`: media and public folders of an entry or field.
- `commit_messages`: commit messages from `backend.commit_messages`.
- `moment_format`: moment.js date formats (every display token), written and read back.
"""

"""Reading and validating a site's config.yml into typed objects.

- `site_config`: the typed model (`SiteConfig`, `BackendConfig`, `Collection`, `CollectionFile`, `Field`, ...).
- `loader`: `load_site_config(path)` / `parse_site_config(text, file_name)` and the validation behind them
  (every problem with file, line and option path).
- `yaml12`: YAML as Decap reads it (1.2 core schema): a ruamel round-trip instance and a fast libyaml reader.
- `yaml_errors`: YAML syntax errors, templates and duplicate keys explained with line, column and a hint.
- `dialects`: the options Decap CMS, Static CMS and Sveltia CMS each document (for warnings).
- `check`: the `editor-app check-config PATH` command.
"""

"""Reading and validating a site's config.yml into typed objects.

- `site_config`: the model (`SiteConfig`, `BackendConfig`, `Collection`, `CollectionFile`, `Field`, ...)
  and `load_site_config(path)` / `parse_site_config(text, file_name)`.
- `loader`: the validation behind them (every problem with file, line and option path).
- `yaml12`: YAML as Decap reads it (1.2 core schema): a ruamel round-trip instance and a fast libyaml reader.
- `check`: the `editor-app check-config PATH` command.
"""

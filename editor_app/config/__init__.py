"""Reading and validating a site's config.yml into typed objects."""

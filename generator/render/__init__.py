"""The report site: results JSON -> Markdown pages (Jinja) -> MkDocs site, with Vega-Lite charts."""

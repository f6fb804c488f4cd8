"""The render layer: the document model, its markdown/CSV/JSON/HTML/terminal renderings, the
per-command views, the report, plots and labels in both languages.

It builds on the data and evidence layers and knows nothing of the terminal's streams.
"""

"""The view model of each page: one module per page, what several pages share in ``common``."""

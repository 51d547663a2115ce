"""Improvement Oversight: database models, repositories, importers and CLI."""

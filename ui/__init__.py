"""Streamlit building blocks shared by the page scripts (widgets only, no rules, no SQL)."""

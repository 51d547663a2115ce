"""Improvement Oversight: domain rules, KPI engine and charts (no Streamlit here)."""

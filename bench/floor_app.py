"""The browser bench's floor: a Streamlit app with a title and a line of text, nothing else.

``bench.run`` times its first content in a new session and a new tab as it times the dashboard's
pages, on the same machine in the same run: what Streamlit's own page, scripts, websocket and
first drawing cost before any of the dashboard's work."""

import streamlit as st

st.title("Floor")
st.write("A title and a line of text.")

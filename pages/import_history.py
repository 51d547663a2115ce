import streamlit as st

st.title("import_history")
st.info("This page is being built.")

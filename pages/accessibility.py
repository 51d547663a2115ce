import streamlit as st

st.title("accessibility")
st.info("This page is being built.")

import streamlit as st

st.title("coverage")
st.info("This page is being built.")

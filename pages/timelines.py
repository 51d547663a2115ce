import streamlit as st

st.title("timelines")
st.info("This page is being built.")

import streamlit as st

st.title("kpis")
st.info("This page is being built.")

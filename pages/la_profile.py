import streamlit as st

st.title("la_profile")
st.info("This page is being built.")

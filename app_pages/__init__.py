"""The app's pages, one file each (Streamlit runs them as scripts; a package only for the import contracts)."""

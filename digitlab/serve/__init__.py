"""Serving: the model store, workspaces, drawings, run records, Dask jobs and workers, the classroom (no Streamlit)."""

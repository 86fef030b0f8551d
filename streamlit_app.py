"""DigitLab: the entry point. Navigation over the pages and the shared sidebar."""

import streamlit as st


def main() -> None:
    import ui

    st.set_page_config(page_title="DigitLab", page_icon=":material/draw:", layout="wide")
    pages = [
        st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("app_pages/train.py", title="Train", icon=":material/model_training:"),
        st.Page("app_pages/dataset.py", title="Dataset", icon=":material/grid_view:"),
        st.Page("app_pages/mistakes.py", title="Mistakes", icon=":material/error:"),
        st.Page("app_pages/draw.py", title="Draw", icon=":material/draw:"),
        st.Page("app_pages/map.py", title="Map", icon=":material/scatter_plot:"),
        st.Page("app_pages/drawings.py", title="My drawings", icon=":material/school:"),
        st.Page("app_pages/models.py", title="Models", icon=":material/inventory_2:"),
    ]
    page = st.navigation(pages)
    workspace = ui.workspace()  # in shared mode, a first visit gets its token into the URL here
    if not workspace.personal:
        st.sidebar.caption(f"Workspace **{workspace.alias}**: bookmark this page to come back to it.")
    ui.model_picker()
    job = ui.busy_job()
    if job is not None:
        where = "Train" if job.kind == "train" else "My drawings"
        st.sidebar.info(f"Your {job.kind} run is {job.state}: see the {where} page.")
    page.run()


# Streamlit runs this file as __main__. The embedded cluster's worker processes are spawned and
# import it again as __mp_main__: they must not run the app.
if __name__ == "__main__":
    main()

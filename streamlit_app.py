"""DigitLab: the entry point. Navigation over the pages (ui/pages.py) and the shared sidebar."""

import contextlib
import inspect
import logging
import sys
from pathlib import Path

import streamlit as st


def keep_keras_state() -> None:
    """Stop Streamlit from calling `keras.backend.clear_session()` after every script run.

    Streamlit does that (a private hook, `script_runner._clean_problem_modules`) for apps that build
    models inside the script. Here models are loaded once and shared (`st.cache_resource`), and each
    clear costs ~180 ms of CPU (a full `gc.collect()`): with three Train pages polling once a second
    it took over a third of the server's CPU and the Draw page stopped loading (bench/served.py).
    Matplotlib figures are still closed as before.
    """
    from streamlit.runtime.scriptrunner import script_runner

    def close_figures() -> None:
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")

    script_runner._clean_problem_modules = close_figures


def log_to_the_server_console() -> None:
    """DigitLab's module loggers write to the server's stderr (once per process), with their details."""
    logger = logging.getLogger("digitlab")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        for name in ("digitlab", "ui", "app_pages"):
            logging.getLogger(name).addHandler(handler)
            logging.getLogger(name).setLevel(logging.INFO)


# Streamlit's captions are grey #828180 on white: a contrast of 3.9, under the 4.5 that small text
# needs (axe-core, WCAG AA). The page's own text colour, slightly faded, reads in light and dark themes.
READABLE_CAPTIONS = "<style>[data-testid='stCaptionContainer'] { color: inherit; opacity: 0.8; }</style>"


def main() -> None:
    from digitlab.language import _
    from ui import jobs, language, picker, screen, visitor
    from ui.pages import PAGES, TEACHER_PAGE

    keep_keras_state()
    log_to_the_server_console()
    jobs.start_job_board_in_background()  # a press of Train then finds the cluster and its workers ready
    st.set_page_config(page_title="DigitLab", page_icon=":material/draw:", layout="wide")
    language.choose()
    st.html(READABLE_CAPTIONS)
    with st.sidebar:
        screen.fold_sidebar_on_narrow_screens()
    # A student has no Teacher page, not even by URL.
    pages = [*PAGES, TEACHER_PAGE] if visitor.admit_the_teacher() else PAGES
    page = st.navigation([st.Page(p.file, title=_(p.title), icon=p.icon, default=i == 0) for i, p in enumerate(pages)])
    workspace = visitor.workspace()  # in shared mode, a first visit gets its token into the URL here
    if not workspace.personal:
        st.sidebar.caption(
            _("Workspace **{alias}**: bookmark this page to come back to it.").format(alias=workspace.alias)
        )
    picker.model_picker()
    job = jobs.busy_job()
    if job is not None:
        st.sidebar.info(jobs.busy_job_sentence(job))
    language.language_picker()
    page.run()


@contextlib.asynccontextmanager
async def start_with_the_server(app: st.App):
    """Before the server takes its first visitor: import the core (TensorFlow, ~5 s) and start the cluster.

    The cluster's workers then start and warm up in the background, so neither the first page nor
    the first press of Train waits for them. When the server stops, so does its embedded cluster.
    """
    from ui import jobs

    log_to_the_server_console()
    jobs.start_job_board_in_background()
    clean_leftovers_quietly()
    # Streamlit's first element in a process asks `inspect.stack()` whether it runs in a REPL, and
    # inspect then looks up the file of every module loaded: with TensorFlow in, 0.35 s of the first
    # visitor's first page. Asked here first, inspect keeps what it found.
    inspect.stack()
    compile_the_pages()
    yield
    for board in jobs.all_boards():
        try:
            board.close()
        except Exception:  # noqa: BLE001 - stopping anyway; the workers end with the server
            logging.getLogger("digitlab").warning("the training cluster did not close cleanly", exc_info=True)


def compile_the_pages() -> None:
    """Compile every page once, before the first visitor. Python 3.11's `ast` can fail ("AST constructor
    recursion depth mismatch", CPython gh-106905) when two threads parse at once, e.g. a page compiled
    on its first visit while TensorFlow's autograph parses a function: compiled here, alone, it is not
    parsed again."""
    from streamlit.runtime import Runtime

    from ui.pages import PAGES, TEACHER_PAGE

    try:
        cache = Runtime.instance()._script_cache  # Streamlit's own cache of page bytecode
        for page in [*PAGES, TEACHER_PAGE]:
            cache.get_bytecode(str(Path(__file__).parent / page.file))
    except Exception:  # noqa: BLE001 - an optimisation only: the pages compile on their first visit instead
        logging.getLogger("digitlab").warning("the pages were not compiled ahead", exc_info=True)


def clean_leftovers_quietly() -> None:
    """Half-written files of writes cut short (a full disk, a kill), removed at start."""
    from digitlab import settings
    from digitlab.serve import store

    try:
        removed = store.clean_leftovers(settings.current().home)
    except OSError:
        logging.getLogger("digitlab").warning("the leftovers of cut-short writes were not cleaned", exc_info=True)
    else:
        if removed:
            logging.getLogger("digitlab").info("removed %d leftovers of cut-short writes", removed)


def live_routes() -> list:
    """What the Draw page's in-browser answer loads: its scripts and the pinned runtime (static/live/,
    revalidated), and a model's browser copy by the digest of the model (never changes: cached a year)."""

    from starlette.responses import FileResponse, PlainTextResponse
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    async def browser_copy(request):
        from digitlab.serve.browser_copies import registered_file

        path = registered_file(request.path_params["name"])
        if path is None or not path.is_file():
            return PlainTextResponse("No such model.", status_code=404)
        immutable = {"Cache-Control": "public, max-age=31536000, immutable"}
        return FileResponse(path, media_type="application/octet-stream", headers=immutable)

    files = StaticFiles(directory=Path(__file__).parent / "static" / "live")
    return [Route("/live/models/{name}", browser_copy), Mount("/live/files", app=files)]


# Streamlit runs this file as __main__. The embedded cluster's worker processes are spawned and
# import it again as __mp_main__: they must not run the app.
if __name__ == "__main__":
    main()
elif __name__ == "streamlit_app":  # `streamlit run` serves the app below, with the start-up above
    app = st.App(__file__, lifespan=start_with_the_server, routes=live_routes())

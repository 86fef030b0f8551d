"""The page's language: the link's (`?lang=de`), else the one picked in this session, else the browser's.

A picker in the sidebar changes it; the choice stays in the URL, so a teacher can hand out a link
in the class's language.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from digitlab import language
from digitlab.language import _

# The page's own language attribute, so screen readers speak it and browsers pick its fonts.
HTML_LANG_JS = """
export default function(component) {
  document.documentElement.lang = component.data.lang;
}
"""
HTML_LANG = {"zh": "zh-Hans"}  # the script, which fonts follow
QUERY = "lang"
CHOSEN = "language"  # session state: the language picked in this session


def choose() -> str:
    """The language of this run, set for every word it shows (call first in every run)."""
    language.follow(session_language)  # for the fragments and callbacks, which run in other threads
    asked = st.query_params.get(QUERY)
    if asked not in language.LANGUAGES:
        asked = st.session_state.get(CHOSEN) or language.best_match(
            st.context.locale, st.context.headers.get("Accept-Language")
        )
    code = language.use(asked)
    st.session_state[CHOSEN] = code
    if st.query_params.get(QUERY) != code and "teacher" not in st.query_params:
        # Kept in the link (a change of page drops it); not while the teacher's key is taken out of it.
        st.query_params[QUERY] = code
    return code


def session_language() -> str | None:
    """The language chosen in the session of the script thread asking (None outside a session)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    return st.session_state.get(CHOSEN)


def tell_the_browser(code: str) -> None:
    html_lang_component()(key="html-lang", data={"lang": HTML_LANG.get(code, code)}, height=0)


@st.cache_resource
def html_lang_component():
    return st.components.v2.component("digitlab_html_lang", js=HTML_LANG_JS, isolate_styles=False)


def language_picker() -> None:
    codes = list(language.LANGUAGES)
    code = language.current()
    picked = st.sidebar.selectbox(
        _("Language"),
        codes,
        index=codes.index(code),
        format_func=language.LANGUAGES.get,
        help=_("The language of every page. The link in the address bar keeps it: share it with the class."),
    )
    with st.sidebar:
        tell_the_browser(code)
    if picked != code:
        st.session_state[CHOSEN] = picked
        st.query_params[QUERY] = picked
        st.rerun()

"""Who the visitor is: the workspace of a personal install, or in shared mode theirs by sign-in or token."""

from __future__ import annotations

import logging
import secrets

import streamlit as st

from digitlab.language import _
from digitlab.serve.teacher import TooManyGuesses, is_teacher_address, is_teacher_pass, teacher_pass, try_teacher_key
from digitlab.serve.workspaces import (
    Workspace,
    WorkspaceError,
    from_identity,
    from_token,
    new_token,
    personal_workspace,
    shared_mode,
)
from ui import keys

log = logging.getLogger(__name__)


def workspace() -> Workspace:
    """This visitor's workspace: the one of a personal install; in shared mode, by sign-in or by token.

    Without sign-in, the token lives in the page's URL (`?ws=...`): a first visit gets a new one, a
    bookmark brings the workspace back. A malformed token stops the page with a message.
    """
    if not shared_mode():
        return personal_workspace()
    subject = signed_in_subject()
    if subject:
        return from_identity(subject)
    try:
        token = st.query_params.get("ws") or st.session_state.get(keys.WS_TOKEN) or new_token(client_address())
        chosen = from_token(token)
    except WorkspaceError as error:
        log.info("refused a workspace token: %s", error)
        st.error(str(error))
        st.stop()
    st.session_state[keys.WS_TOKEN] = token
    if st.query_params.get("ws") != token and not key_being_scrubbed():
        st.query_params["ws"] = token  # kept in the URL on every page, so any bookmark brings it back
    return chosen


def client_address() -> str | None:
    """The visitor's address: their connection's, or, where that is this machine (the shipped nginx
    in front of Streamlit), the `X-Real-IP` the proxy sets. None where neither tells."""
    direct = st.context.ip_address
    if direct in (None, "127.0.0.1", "::1"):
        return st.context.headers.get("X-Real-Ip") or direct
    return direct


TEACHER_COOKIE = "digitlab_teacher"  # the teacher pass (teacher.py): never the key itself


def admit_the_teacher() -> bool:
    """Once a run, before the navigation: whether this visitor is the class's teacher (shared mode
    only). They opened the app with `?teacher=KEY` in this session, or in this browser since it
    opened (its teacher pass, a cookie), or signed in with an address in `$DIGITLAB_TEACHERS`.

    The key leaves the address bar and the browser's history before anything else changes the
    address: the browser replaces the page's entry (`scrub_the_key`), then the server drops it (a
    projected screen, or Back, must not show it). A wrong one is logged and said no more about than
    "not the teacher's key"; guesses are slowed per address and per session (teacher.py).
    """
    if not shared_mode():
        return False
    if "teacher" in st.query_params:
        if st.session_state.get(keys.KEY_SCRUBBED):
            del st.query_params["teacher"]  # the address bar shows it no more: this changes no history
        elif keys.KEY_SCRUBBED not in st.session_state:
            st.session_state[keys.KEY_SCRUBBED] = False
            check_the_key(st.query_params.get("teacher"))
        scrub_the_key()
    elif keys.TEACHER not in st.session_state and is_teacher_pass(teacher_cookie()):
        st.session_state[keys.TEACHER] = True  # a reload, or a new tab, of the teacher's browser
    if st.session_state.get(keys.SIGNED_OUT):
        teacher_pass_component()(key="end-teacher-pass", data={"name": TEACHER_COOKIE, "end": True}, height=0)
    return is_teacher()


def is_teacher() -> bool:
    """Whether admit_the_teacher admitted this visitor (it runs first, on every run)."""
    return shared_mode() and (bool(st.session_state.get(keys.TEACHER)) or is_teacher_address(signed_in_address()))


def teacher_cookie() -> str | None:
    """The teacher pass this browser sent with the page, if any."""
    return st.context.cookies.get(TEACHER_COOKIE)


def sign_out_the_teacher() -> None:
    """This session is no teacher's any more, and the browser forgets its pass (admit_the_teacher)."""
    st.session_state[keys.TEACHER] = False
    st.session_state[keys.SIGNED_OUT] = True


def check_the_key(given: str | None) -> None:
    session = st.session_state.setdefault(keys.SESSION, secrets.token_hex(8))
    try:
        if try_teacher_key(given, f"address {client_address()}", f"session {session}"):
            st.session_state[keys.TEACHER] = True
            st.session_state[keys.TEACHER_PASS] = teacher_pass()
            st.session_state.pop(keys.SIGNED_OUT, None)
        else:
            log.warning("a wrong teacher key was given from %s", client_address())
            st.toast(_("That is not the teacher's key."))
    except TooManyGuesses as error:
        log.warning("teacher key guesses slowed for %s", client_address())
        st.toast(str(error))


# Takes the key out of the address and the history; keeps the teacher pass as a cookie until the
# browser closes (SameSite=Strict: sent to this site only), or ends it.
TEACHER_PASS_JS = """
export default function(component) {
  const { data } = component;
  const url = new URL(window.location.href);
  if (url.searchParams.has("teacher")) {
    url.searchParams.delete("teacher");
    window.history.replaceState(window.history.state, "", url);  // this entry, not a new one: Back cannot show it
  }
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  if (data && data.pass) document.cookie = `${data.name}=${data.pass}; path=/; SameSite=Strict${secure}`;
  if (data && data.end) document.cookie = `${data.name}=; path=/; max-age=0; SameSite=Strict${secure}`;
  component.setStateValue("scrubbed", true);
}
"""


@st.cache_resource
def teacher_pass_component():
    return st.components.v2.component("digitlab_teacher_pass", js=TEACHER_PASS_JS)


def scrub_the_key() -> None:
    """Have the browser take the key out of its address and history (and keep the pass, if the key
    was right); then the server drops it."""
    teacher_pass_component()(
        key="scrub-teacher-key",
        data={"name": TEACHER_COOKIE, "pass": st.session_state.get(keys.TEACHER_PASS)},
        height=0,
        on_scrubbed_change=lambda: st.session_state.update({keys.KEY_SCRUBBED: True}),
    )


def key_being_scrubbed() -> bool:
    """While the browser takes the key out of its history, the address must not change (a pushed
    address would keep the key's entry behind it)."""
    return "teacher" in st.query_params and not st.session_state.get(keys.KEY_SCRUBBED)


def signed_in_address() -> str | None:
    """The signed-in user's e-mail address, when the deployment configured Streamlit's authentication."""
    try:
        if st.user.is_logged_in:
            return st.user.get("email")
    except (AttributeError, KeyError, st.errors.StreamlitAPIException):
        pass
    return None


def signed_in_subject() -> str | None:
    """The signed-in user's identity when the deployment configured Streamlit's authentication."""
    try:
        if st.user.is_logged_in:
            return st.user.get("sub") or st.user.get("email")
    except (AttributeError, KeyError, st.errors.StreamlitAPIException):
        pass
    return None

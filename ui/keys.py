"""The session-state keys that one file writes and another reads, named once.

(A widget's own key, used only on its page, stays on that page.)
"""

ACTIVE_MODEL = "active_model"  # the sidebar's model picker
PENDING_ACTIVE_MODEL = "pending_active_model"  # chosen on a page after the picker was drawn: applied next run
BORROWED = "borrowed"  # (label, folder) of a leaderboard model picked on the Models page
WS_TOKEN = "ws_token"  # the visitor's workspace token (shared mode), also kept in the URL
DECODED = "decoded"  # (sha256 of the picture last sent or uploaded, its decode or its ImageReadError)
DECODING = "decoding"  # the lock that lets one run of the session decode at a time
DRAWING = "drawing"  # the last drawing's 28x28 model input: the Map page marks it
TRAIN_JOB = "train_job_id"  # the visitor's latest training job
TUNE_JOB = "fine-tune_job_id"  # the visitor's latest fine-tuning job
DRAFT = "network_draft"  # the visitor's network on the Build page (digitlab.learn.builder.Draft); Train can train it
TEACHER = "teacher"  # True once this session gave the teacher key (shared mode)
KEY_SCRUBBED = "key_scrubbed"  # False while the browser takes the teacher key out of its history, then True
TEACHER_PASS = "teacher_pass"  # the pass this session's browser keeps as a cookie once the key was right
SIGNED_OUT = "signed_out"  # True once the teacher signed out in this session: their pass is not taken again
SESSION = "session"  # a random name for this session: wrong teacher keys are counted per session
ARCHITECTURE = "architecture"  # the Train page's choice of network; the Build page sets it to OWN_NETWORK


def view(name: str) -> str:
    """The switch of the Draw page's view `name` (ui/draw_views.py): open or folded."""
    return f"draw-view-{name}"

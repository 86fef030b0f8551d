"""The app's pages, defined once: the navigation, Home's links and the tests read this list."""

from __future__ import annotations

from dataclasses import dataclass

from digitlab.language import N_


@dataclass(frozen=True)
class PageInfo:
    file: str  # relative to the project root
    title: str  # in the navigation (marked N_, shown as _(title))
    icon: str
    invitation: str  # Home's link to it ("" for Home itself; marked N_, shown as _(invitation))


PAGES = [
    PageInfo("app_pages/home.py", N_("Home"), ":material/home:", ""),
    PageInfo("app_pages/train.py", N_("Train"), ":material/model_training:", N_("Train a model and watch it learn")),
    PageInfo(
        "app_pages/build.py", N_("Build"), ":material/construction:", N_("Build a network of your own, layer by layer")
    ),
    PageInfo("app_pages/dataset.py", N_("Dataset"), ":material/grid_view:", N_("Browse the 70,000 MNIST digits")),
    PageInfo("app_pages/mistakes.py", N_("Mistakes"), ":material/error:", N_("Study the digits a model gets wrong")),
    PageInfo("app_pages/draw.py", N_("Draw"), ":material/draw:", N_("Draw a digit and see what the model thinks")),
    PageInfo(
        "app_pages/map.py", N_("Map"), ":material/scatter_plot:", N_("See how the model arranges what it has seen")
    ),
    PageInfo("app_pages/drawings.py", N_("My drawings"), ":material/school:", N_("Teach it your own handwriting")),
    PageInfo(
        "app_pages/models.py", N_("Models"), ":material/inventory_2:", N_("Compare, download and manage saved models")
    ),
    PageInfo(
        "app_pages/glossary.py", N_("Glossary"), ":material/menu_book:", N_("Look up a word: loss, epoch, filter...")
    ),
]
GLOSSARY_PAGE = "app_pages/glossary.py"
# Only the teacher's navigation has it.
TEACHER_PAGE = PageInfo("app_pages/teacher.py", N_("Teacher"), ":material/groups:", "")

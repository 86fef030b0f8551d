"""The app's pages, defined once: the navigation, Home's links and the tests read this list."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    file: str  # relative to the project root
    title: str  # in the navigation
    icon: str
    invitation: str  # Home's link to it ("" for Home itself)


PAGES = [
    PageInfo("app_pages/home.py", "Home", ":material/home:", ""),
    PageInfo("app_pages/train.py", "Train", ":material/model_training:", "Train a model and watch it learn"),
    PageInfo("app_pages/build.py", "Build", ":material/construction:", "Build a network of your own, layer by layer"),
    PageInfo("app_pages/dataset.py", "Dataset", ":material/grid_view:", "Browse the 70,000 MNIST digits"),
    PageInfo("app_pages/mistakes.py", "Mistakes", ":material/error:", "Study the digits a model gets wrong"),
    PageInfo("app_pages/draw.py", "Draw", ":material/draw:", "Draw a digit and see what the model thinks"),
    PageInfo("app_pages/map.py", "Map", ":material/scatter_plot:", "See how the model arranges what it has seen"),
    PageInfo("app_pages/drawings.py", "My drawings", ":material/school:", "Teach it your own handwriting"),
    PageInfo("app_pages/models.py", "Models", ":material/inventory_2:", "Compare, download and manage saved models"),
    PageInfo("app_pages/glossary.py", "Glossary", ":material/menu_book:", "Look up a word: loss, epoch, filter..."),
]
GLOSSARY_PAGE = "app_pages/glossary.py"
# Only the teacher's navigation has it.
TEACHER_PAGE = PageInfo("app_pages/teacher.py", "Teacher", ":material/groups:", "")

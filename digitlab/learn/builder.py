"""A network being built: the layers a learner adds, removes, moves and changes (the Build page's state).

Each layer keeps an id of its own, so a page's widgets stay with their layer when it moves. The
network it makes is the value network.py checks and builds, and a TrainConfig carries.

    draft = Draft.from_preset("mlp")
    draft.add("dropout", after=1)
    draft.move(2, -1)
    network = draft.network()
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from digitlab import language
from digitlab.language import _
from digitlab.learn.architectures import get_architecture
from digitlab.learn.network import INPUTS, LAYER_TYPES, MAX_LAYERS, NetworkError, layer

NEW_IDS = itertools.count(1)  # ids unique in this process: a page's widget keys


@dataclass
class Draft:
    """The network on the builder: which preset it started from (its training settings), its layers."""

    base: str  # a name in ARCHITECTURES: the optimizer, learning rate, batch size and epochs it trains with
    input: str
    layers: list[tuple[int, dict]] = field(default_factory=list)  # (id, settings)

    @classmethod
    def from_preset(cls, name: str) -> Draft:
        network = get_architecture(name).network
        return cls(name, network["input"], [(next(NEW_IDS), dict(s)) for s in network["layers"]])

    def network(self) -> dict:
        return {"input": self.input, "layers": [dict(settings) for _uid, settings in self.layers]}

    def add(self, kind: str, after: int | None = None) -> None:
        """Add a layer of `kind` with its usual settings after position `after` (0: first; None: last)."""
        if len(self.layers) >= MAX_LAYERS:
            raise NetworkError(_("At most {most} layers: remove one first.").format(most=language.number(MAX_LAYERS)))
        position = len(self.layers) if after is None else max(0, min(after, len(self.layers)))
        self.layers.insert(position, (next(NEW_IDS), layer(kind)))

    def remove(self, position: int) -> None:
        del self.layers[position]

    def move(self, position: int, by: int) -> None:
        """Move the layer at `position` up (by=-1) or down (by=1); at either end it stays."""
        target = position + by
        if 0 <= position < len(self.layers) and 0 <= target < len(self.layers):
            self.layers[position], self.layers[target] = self.layers[target], self.layers[position]

    def change(self, position: int, **settings) -> None:
        current = self.layers[position][1]
        unknown = set(settings) - set(LAYER_TYPES[current["type"]])
        if unknown:
            raise NetworkError(
                _("A {kind} layer has no setting {settings}.").format(
                    kind=current["type"], settings=", ".join(sorted(unknown))
                )
            )
        current.update(settings)

    def set_input(self, scaling: str) -> None:
        if scaling not in INPUTS:
            raise NetworkError(
                _("The input scaling is one of {inputs}, not {scaling}.").format(
                    inputs=", ".join(INPUTS), scaling=repr(scaling)
                )
            )
        self.input = scaling

"""The command line: python -m digitlab {train,list,evaluate,predict,code,export,make-default}."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from pathlib import Path

from digitlab.learn import drawn_digits
from digitlab.learn.architectures import ARCHITECTURES, DEFAULT_ARCHITECTURE
from digitlab.learn.cores import train_on_every_core
from digitlab.learn.data import DataError, load_mnist
from digitlab.learn.export import FORMATS, export_model
from digitlab.learn.network import describe
from digitlab.learn.predict import Predictor
from digitlab.learn.snapshots import SNAPSHOTS_FILE, to_npz
from digitlab.learn.train import OPTIMIZERS, TrainConfig, TrainingDiverged, train_model
from digitlab.serve import browser_copies, store, workspaces

log = logging.getLogger(__name__)

DEFAULT_MODEL_EPOCHS = 20  # the long preset: 99.5% on MNIST (about 5 minutes on 2 cores)
DEFAULT_MODEL_STYLES = 300  # style-set digits per variant in its training (styles.py): it reads them too


def progress_bar():
    """A listener that draws a Keras progress bar (loss, accuracy, examples/s) on stderr, where stderr
    is a terminal; None elsewhere (`train > out.txt` gets the results, not the bar's escape codes)."""
    import keras

    if not sys.stderr.isatty():
        return None
    bar = None

    def listener(event) -> None:
        nonlocal bar
        if bar is None:
            bar = keras.utils.Progbar(event.total_steps, stateful_metrics=["loss", "acc", "ex/s", "val_acc"])
        values = [("loss", event.loss), ("acc", event.accuracy), ("ex/s", event.examples_per_second)]
        if event.val_accuracy is not None:
            values.append(("val_acc", event.val_accuracy))
        with contextlib.redirect_stdout(sys.stderr):  # Keras writes its bar to stdout
            bar.update(event.step, values)

    return listener


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """Tutorial defaults of --model, with whatever options were given."""
    given = dict(
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        optimizer=args.optimizer,
        seed=args.seed,
        train_limit=args.limit,
        styles=args.styles,
    )
    overrides = {key: value for key, value in given.items() if value is not None}
    if args.layers:
        overrides["network"] = read_network(Path(args.layers))
    return TrainConfig.for_architecture(args.model, augment=args.augment, **overrides)


def read_network(path: Path) -> dict:
    """A network (network.py) from a JSON file: {"input": "unit", "layers": [...]}, checked."""
    try:
        network = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ValueError(f"Cannot read the network in {path}: {error}") from error
    except RecursionError as error:
        raise ValueError(f"Cannot read the network in {path}: it is nested too deeply to be a network") from error
    describe(network)
    return network


def train_command(args: argparse.Namespace) -> int:
    train_on_every_core()
    config = config_from_args(args)
    result = train_model(config, load_mnist(), listener=progress_bar())
    name = store.save_model(
        result.model, args.name or result.metadata()["architecture"], result.metadata(), args.workspace, result.extras()
    )
    print(f"\nsaved as {name!r} in {store.models_dir(args.workspace)}", file=sys.stderr)
    print(f"test_accuracy={result.test_accuracy:.4f}")
    return 0


def write_shipped_browser_copy(folder: Path) -> None:
    """The default's browser copy beside it (pretrained/browser.onnx and .json), checked as every copy is."""
    made = browser_copies.make_copy((folder / store.MODEL_FILE).read_bytes())
    browser_copies.write_copy(
        made, folder / f"{browser_copies.SHIPPED}.onnx", folder / f"{browser_copies.SHIPPED}.json"
    )


def make_default_command(args: argparse.Namespace) -> int:
    """Retrain the model shipped in digitlab/serve/pretrained (fast, augmented, with style digits mixed
    in); replace the shipped one only where the new one reads at least as many drawn digits."""
    train_on_every_core()
    import shutil

    config = TrainConfig.for_architecture(
        DEFAULT_ARCHITECTURE, augment=True, epochs=args.epochs, styles=DEFAULT_MODEL_STYLES, seed=args.seed
    )
    data = load_mnist()
    result = train_model(config, data, listener=progress_bar())
    worse = worse_on_drawn_digits(result.model, data)
    if worse:
        print(f"\nerror: {worse} The shipped model is kept.", file=sys.stderr)
        return 2
    target = store.DEFAULT_MODEL_DIR
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    snapshots = {SNAPSHOTS_FILE: to_npz(result.snapshots)}  # its replay on the Models page (not its logs)
    store.write_model_files(
        store.model_to_bytes(result.model), target, store.model_record(result.model, result.metadata()), snapshots
    )
    write_shipped_browser_copy(target)
    print(f"\nwrote {target}", file=sys.stderr)
    print(f"test_accuracy={result.test_accuracy:.4f}")
    return 0


def worse_on_drawn_digits(model, data) -> str | None:
    """How much fewer drawn digits (drawn_digits.py) `model` reads than the shipped default; None if not fewer."""
    inputs = drawn_digits.model_inputs(drawn_digits.drawn_sets(data))
    new = drawn_digits.drawn_scores(Predictor(model), inputs)
    print(f"\nthe new model on drawn digits: {drawn_digits.in_words(new)}", file=sys.stderr)
    try:
        shipped, _ = store.load_entry(store.default_model())
    except store.StoreError as error:
        log.warning("no shipped model to compare with (%s): the new one is written", error)
        return None
    old = drawn_digits.drawn_scores(Predictor(shipped), inputs)
    print(f"the shipped model on drawn digits: {drawn_digits.in_words(old)}", file=sys.stderr)
    return drawn_digits.shortfall(new, old)


def list_command(args: argparse.Namespace) -> int:
    entries = store.list_models(args.workspace)
    rows = [("name", "architecture", "params", "epochs", "train s", "test acc", "created")]
    for e in entries:
        m = e.meta
        if e.error:
            rows.append((e.name, "BROKEN: " + e.error, "", "", "", "", ""))
            continue
        rows.append(
            (
                e.name + (" (shipped)" if e.builtin else ""),
                m.get("architecture", "?"),
                f"{m.get('params', 0):,}",
                str(m.get("epochs_completed", "?")),
                f"{m.get('train_seconds', 0):.0f}",
                f"{e.test_accuracy:.4f}",
                m.get("created", "")[:19],
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    return 0


def evaluate_command(args: argparse.Namespace) -> int:
    from digitlab.learn.evaluate import evaluate_model

    model, _ = store.load_model(args.name, args.workspace)
    data = load_mnist()
    result = evaluate_model(model, data.x_test, data.y_test)
    for digit, accuracy in enumerate(result.per_class_accuracy):
        print(f"digit {digit}: {accuracy:.4f}")
    print(f"test_accuracy={result.accuracy:.4f}")
    return 0


def code_command(args: argparse.Namespace) -> int:
    from digitlab.learn.code import notebook, script

    meta = store.find_model(args.name, args.workspace).meta
    if "config" not in meta:
        raise ValueError(f"{args.name} was saved without its training settings: there is no run to write out.")
    config = TrainConfig.of_saved_model(meta)
    print((notebook if args.notebook else script)(config, args.name), end="")
    return 0


def export_command(args: argparse.Namespace) -> int:
    model, _ = store.load_model(args.name, args.workspace)
    out = export_model(model, args.format, Path(args.out))
    print(f"wrote {out}: {FORMATS[args.format]}; loaded back, it answers as the model does")
    return 0


def predict_command(args: argparse.Namespace) -> int:
    from digitlab.learn.preprocess import BlankImageError, ImageReadError

    predictor = Predictor(*store.load_model(args.model, args.workspace))
    failed = 0
    for file in args.files:
        try:
            probabilities = predictor.predict_image(file)
        except (BlankImageError, ImageReadError) as error:
            log.info("%s: %s", file, error, exc_info=True)
            failed += 1
            record = {"file": file, "error": str(error)}
        except Exception:  # noqa: BLE001 - one file never stops the batch; the details go to the log
            log.exception("%s: unexpected failure", file)
            failed += 1
            record = {"file": file, "error": "It could not be read (an unexpected error; see the log)."}
        else:
            record = {
                "file": file,
                "digit": int(probabilities.argmax()),
                "probabilities": [round(float(p), 6) for p in probabilities],
            }
        if args.json:
            print(json.dumps(record))
        elif "error" in record:
            print(f"{file}: error: {record['error']}")
        else:
            probs = " ".join(f"{p:.2f}" for p in record["probabilities"])
            print(f"{file}: {record['digit']}  [{probs}]")
    return 1 if failed else 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m digitlab", description="DigitLab: MNIST models from the command line."
    )
    parser.add_argument(
        "--workspace",
        metavar="KEY",
        help="act on a shared server's workspace (its folder name under ~/.digitlab/workspaces); default: yours",
    )
    parser.add_argument("--verbose", action="store_true", help="log what happens, failures with their details")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a model and save it to the store")
    train.add_argument("--model", default=DEFAULT_ARCHITECTURE, choices=list(ARCHITECTURES))
    train.add_argument("--epochs", type=int)
    train.add_argument("--batch-size", type=int)
    train.add_argument("--learning-rate", type=float)
    train.add_argument("--optimizer", choices=list(OPTIMIZERS))
    train.add_argument("--seed", type=int)
    train.add_argument("--augment", action="store_true", help="random shifts, rotations, zoom, stroke width")
    train.add_argument("--limit", type=int, help="train on the first N images only")
    train.add_argument("--styles", type=int, help="mix N drawn style digits per style variant into training")
    train.add_argument("--name", help="name in the store (default: the architecture)")
    train.add_argument(
        "--layers", metavar="NETWORK.json", help='a network of your own: {"input": "unit", "layers": [...]}'
    )
    train.set_defaults(run=train_command)

    default = commands.add_parser("make-default", help="retrain the shipped default model")
    default.add_argument("--epochs", type=int, default=DEFAULT_MODEL_EPOCHS)
    default.add_argument("--seed", type=int, default=0, help="another seed, another model (default: 0)")
    default.set_defaults(run=make_default_command)

    commands.add_parser("list", help="list the saved models").set_defaults(run=list_command)

    evaluate = commands.add_parser("evaluate", help="test accuracy and per-class accuracy of a saved model")
    evaluate.add_argument("name")
    evaluate.set_defaults(run=evaluate_command)

    predict = commands.add_parser("predict", help="predict the digit in image files")
    predict.add_argument("files", nargs="+")
    predict.add_argument("--model", default=store.DEFAULT_NAME)
    predict.add_argument("--json", action="store_true", help="one JSON object per line")
    predict.set_defaults(run=predict_command)

    code = commands.add_parser("code", help="print the standalone Keras script (or notebook) of a saved model's run")
    code.add_argument("name")
    code.add_argument("--notebook", action="store_true", help="a Jupyter notebook (.ipynb) instead of a script")
    code.set_defaults(run=code_command)

    export = commands.add_parser(
        "export", help="write a saved model as a TensorFlow SavedModel, a TFLite file or an ONNX file (checked)"
    )
    export.add_argument("name")
    export.add_argument("--format", choices=list(FORMATS), required=True)
    export.add_argument("--out", required=True, help="the folder (savedmodel) or file (tflite, onnx) to write (new)")
    export.set_defaults(run=export_command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        args.workspace = workspaces.by_key(args.workspace) if args.workspace else workspaces.personal_workspace()
        return args.run(args)
    except (ValueError, DataError, store.StoreError, TrainingDiverged) as error:
        log.debug("%s failed", args.command, exc_info=True)
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

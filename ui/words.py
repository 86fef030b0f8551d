"""Plain words: what each Train setting means, the glossary, and the short lessons the pages open.

Each text is marked N_ here (the language is not known at import) and shown as `_(text)` by the page."""

from __future__ import annotations

from digitlab.language import N_
from digitlab.learn.layers import LAYER_REGISTRY, SETTING_SPECS, Column

SETTINGS_HELP = {
    "architecture": N_("The shape of the network: how its layers of artificial neurons are arranged."),
    "optimizer": N_(
        "How the network corrects itself after each batch. sgd takes plain steps downhill on the loss; "
        "adam and rmsprop adapt the size of the step for each weight."
    ),
    "learning_rate": N_(
        "How big each correction is. Too small: it learns slowly. Too big: the loss jumps around, "
        "or becomes NaN (not a number) and the training stops."
    ),
    "batch_size": N_("How many digits the network looks at before each correction of its weights."),
    "epochs": N_("How many times the network goes through all of its training digits."),
    "seed": N_("Starts the random numbers (the first weights, the order of the digits): same seed, same model."),
    "name": N_("The name the model is saved under; it then shows in the sidebar's list."),
    "augment": N_(
        "Show each digit slightly shifted, turned, zoomed, thicker or thinner, so the model learns "
        "digits rather than exact pixels: a little slower, better on your own handwriting."
    ),
    "keep": N_("Stop early and still save what it has learned so far."),
    "limit": N_(
        "Fewer digits train faster but learn less. 5,000 more digits are always kept apart "
        "(validation) to check the model on digits it never trains on."
    ),
}

GLOSSARY = {  # the term and its meaning, both shown
    N_("MNIST"): N_("70,000 handwritten digits, 28x28 pixels each, written by US Census staff and students."),
    N_("Neural network"): N_("Layers of artificial neurons; each neuron adds up its inputs, each times a weight."),
    N_("Weight"): N_("A number the network learns: how much one input counts for one neuron."),
    N_("Training"): N_("Showing the network digits with their answers and correcting its weights a little each time."),
    N_("Loss"): N_("How wrong the network's answers are, as one number: training makes it smaller."),
    N_("Accuracy"): N_("The share of digits the network gets right."),
    N_("Batch"): N_("A handful of digits (say 128) the network looks at before each correction."),
    N_("Epoch"): N_("One pass through all the training digits."),
    N_("Learning rate"): N_("How big each correction of the weights is."),
    N_("Optimizer"): N_("The recipe for correcting the weights from the loss (sgd, adam, rmsprop)."),
    N_("Validation digits"): N_("5,000 digits kept out of training, to check the model on digits it has not seen."),
    N_("Test digits"): N_("MNIST's separate 10,000 digits, used once training is over to say how good a model is."),
    N_("Overfitting"): N_("Learning the training digits by heart instead of learning digits in general."),
    N_("Convolution"): N_(
        "A small window of weights (say 5x5) slid over the whole picture: it lights up wherever the "
        "picture looks like its pattern, such as a stroke at some angle."
    ),
    N_("Feature map"): N_("The picture a convolution makes: bright where its pattern was found."),
    N_("Filter"): N_("The pattern of one convolution: its small window of weights."),
    N_("Pooling"): N_("Shrinking a feature map by keeping the strongest value of each 2x2 patch."),
    N_("Dense layer"): N_("A layer in which every neuron looks at every input."),
    N_("ReLU, tanh, softmax"): N_(
        "Activations: what a neuron does with its sum. ReLU keeps positive sums and zeroes the rest; "
        "tanh squeezes it between -1 and 1; softmax turns ten sums into ten probabilities."
    ),
    N_("Saliency (integrated gradients)"): N_(
        "A map of which pixels pushed the model towards an answer (red) or away from it (blue)."
    ),
    N_("Confusion matrix"): N_(
        "A table of true digit against answer: how often each digit was read as each other one."
    ),
    N_("Augmentation"): N_("Training on slightly changed copies of the digits (turned, shifted, thicker)."),
    N_("Fine-tuning"): N_("Training an already trained model a little more, here on your own drawings."),
    N_("Convnet (CNN)"): N_("A convolutional neural network: a network whose first layers are convolutions."),
    N_("MLP"): N_("A multi-layer perceptron: a network made only of dense layers, one after another."),
    N_("Hidden layer"): N_("A layer between the picture and the answer: you never see its numbers directly."),
    N_("Parameters"): N_("All the numbers a network learns (its weights and biases), counted together."),
    N_("Bias"): N_("A number a neuron adds to its sum, whatever its inputs: it learns that too."),
    N_("Multiply-adds"): N_("How much arithmetic one answer takes: one multiplication and one addition each."),
    N_("Stride"): N_("How many pixels a convolution's window jumps each step: 2 makes a picture half as wide."),
    N_("Padding"): N_("Blank pixels added around a picture so a convolution keeps its size ('same') or not ('valid')."),
    N_("Batch norm"): N_(
        "A layer that rescales its inputs to an average of 0 and a spread of 1: training goes steadier."
    ),
    N_("Dropout"): N_(
        "A layer that switches off a random part of its inputs while training, so no single one is relied on."
    ),
    N_("One-cycle"): N_("A learning rate that rises, then falls to almost nothing by the last batch."),
    N_("PCA"): N_("Principal component analysis: finds the directions in which many numbers differ most."),
    N_("Snapshot"): N_("A copy of the model taken while it trains, to replay how it learned."),
    N_("Keras"): N_("The Python library DigitLab builds and trains its networks with (part of TensorFlow)."),
    N_("ONNX"): N_("A file format for networks that many programs read, here the browser's."),
    N_("SavedModel"): N_("TensorFlow's own folder format for a trained network."),
    N_("TF Lite"): N_("A small file format for running a network on phones (now called LiteRT)."),
    N_("JSON"): N_("A text format for data: the Build page saves a network's layers in it."),
}

LESSONS = {
    "batches": N_(
        "The network does not look at all 55,000 training digits before it corrects itself: it takes "
        "a **batch** (say 128 digits), guesses them all, measures how wrong it was (the **loss**), and "
        "nudges every weight a little in the direction that makes the loss smaller. One pass through "
        "all the digits is an **epoch**. The **learning rate** is the size of the nudge: too small and "
        "it crawls, too large and it overshoots, the loss jumps, and the training can fall apart."
    ),
    "convolution": N_(
        "A **convolution** slides a small window of weights (a **filter**, say 5x5 pixels) over the "
        "digit. Where the pixels under it look like its pattern (a stroke at some angle, the end of a "
        "line), it lights up: the result is a **feature map**. The first layer finds strokes, the "
        "next finds shapes made of strokes. Because the same window is used everywhere, a loop is "
        "recognised wherever it is, with far fewer weights than a dense layer."
    ),
    "why": N_(
        "To see **why** the model answered as it did, DigitLab asks it about a path of pictures from a "
        "blank canvas to your drawing, and adds up how much each pixel moved the answer along the way "
        "(**integrated gradients**). Red pixels pushed towards the digit you picked, blue ones away from "
        "it. A model that reads a 7 well is red along the bar and the stem; a mistake often shows a "
        "stroke the model took for part of another digit."
    ),
    "map": N_(
        "Inside the network, just before its answer, each digit becomes a long list of numbers (one per "
        "neuron of the last hidden layer). Digits that the model finds alike get similar lists. The map "
        "squeezes each list down to two numbers (with **PCA**, the two directions in which the lists "
        "differ most) and puts the digit there. Tight, separate clouds mean the model tells the digits "
        "apart easily; where two clouds touch, it mixes them up."
    ),
    "mistakes": N_(
        "The **confusion matrix** counts, for every true digit (a row), how often the model gave each "
        "answer (a column). The diagonal holds the right answers; a big number off it, say in row 4 "
        "column 9, means many 4s were read as 9s. Click a cell to see those digits. Many mistakes are "
        "digits a person would hesitate over too."
    ),
    "dreams": N_(
        "Start from a grey fog of faint random pixels. Ask the model how much it looks like, say, a "
        "3, and which way each pixel should change to look more like one (its gradient); change them "
        "a little that way, and again, three hundred times. Left alone this finds a texture only the "
        "model sees, so at each step the picture is also shifted a pixel or two at random, blurred a "
        "little and pulled towards black: what survives is the shape the model looks for. Thick or "
        "broken strokes show which parts of a digit it relies on."
    ),
}

# The Build page: what each layer does, and what each of its settings changes. Written with each layer type
# and setting in digitlab/learn/layers.py (`LayerType.help`, `SettingSpec.help`); read here, by name.
LAYER_HELP = Column(LAYER_REGISTRY, "help")
LAYER_SETTINGS_HELP = Column(SETTING_SPECS, "help")
INPUT_HELP = N_(
    "How the pixels (0 to 255) are scaled before the first layer: to 0-1, or standardized to MNIST's "
    "average 0 and spread 1 (the tutorial's MLP trains better so)."
)

// DigitLab's preprocessing in the browser: a port of digitlab/learn/preprocess.py for canvas pixels.
//
// Python stays the reference. For the same RGBA bytes, `preprocess` here returns what Python's
// `preprocess(np.ndarray uint8 (h, w, 4))` returns, bit for bit (checked with numpy 2.4 on OpenBLAS
// and Pillow 13.0), and throws the same BlankImageError messages. To get there each step keeps
// numpy's dtype (float32 where numpy works in float32, float64 where it works in float64), and
// ports Pillow's resampling of mode "F" images (src/libImaging/Resample.c) and numpy's own sums,
// median and percentile. tests/parity_drawings.py checks it against Python in headless Chromium.
//
//   import { preprocess, BlankImageError } from "./preprocess.js";
//   const { data, width, height } = context.getImageData(0, 0, canvas.width, canvas.height);
//   const pixels = preprocess(data, width, height); // Float32Array(784), 28x28 row-major, 0-255

const BOX = 20; // the longer side of the digit, in pixels
const CENTER = 14.0; // MNIST's measured center of mass (row and column)
const MAX_PIXELS = 40_000_000; // larger images are refused
const WORKING_SIZE = 512; // big images are shrunk to this first
const MIN_CONTRAST = 0.08; // ink and background must differ by this much (0-1 scale)
const NOISE_LEVEL = 0.2; // ink fainter than this fraction of the strongest does not decide the crop
const FLOOR = 0.05; // ink fainter than this is set to zero
const MIN_DIGIT_FRACTION = 0.08; // a mark smaller than this part of the image is a dot
export const STEPS = { crop: "Crop to the ink", fit: "Fit in a 20x20 box", center: "Centre by the centre of mass" };

const f32 = Math.fround; // numpy compares a float32 array with a Python float in float32
const BYTE = Float32Array.from({ length: 256 }, (_, v) => v / 255); // uint8 -> float32 / 255
const RGB_WEIGHTS = [f32(0.299), f32(0.587), f32(0.114)];

// array[..., :3] @ weights for one pixel: numpy's float32 matmul runs OpenBLAS sgemv, g*w1, then
// fused r*w0 and b*w2 on top.
function grayOf(r, g, b) {
  const [w0, w1, w2] = RGB_WEIGHTS;
  return fma32(BYTE[b], w2, fma32(BYTE[r], w0, f32(BYTE[g] * w1)));
}
const GRAY_OF_LEVEL = Float32Array.from({ length: 256 }, (_, v) => grayOf(v, v, v)); // the same, made once

export class BlankImageError extends Error {
  constructor(message) {
    super(message);
    this.name = "BlankImageError";
  }
}

export class ImageReadError extends Error {
  constructor(message) {
    super(message);
    this.name = "ImageReadError";
  }
}

// A picture: row-major pixels (Float32Array, or Float64Array where numpy holds float64).
const picture = (data, width, height) => ({ data, width, height });

// preprocess: RGBA bytes (canvas getImageData) -> Float32Array(784), 28x28, white digit on black, 0-255.
export function preprocess(rgba, width, height) {
  const cropped = inkOfGrayLevels(rgba, width, height); // the live canvas's case, many times a second
  if (cropped) return to255(centerByMass(fitBox(cropped))).data;
  const all = pipeline(rgba, width, height);
  return to255(all[all.length - 1][1]).data;
}

// preprocess_steps: [{what, width, height, pixels: Float32Array 0-255}], `skip` a subset of STEPS' keys.
export function steps(rgba, width, height, skip = []) {
  return pipeline(rgba, width, height, new Set(skip)).map(([what, image]) => {
    const { data, width: w, height: h } = to255(image);
    return { what, width: w, height: h, pixels: data };
  });
}

// pipeline: every step's image in 0-1 (preprocess keeps only the last).
function pipeline(rgba, width, height, skip = new Set()) {
  const gray = readImage(rgba, width, height);
  if (gray.data.length === 0 || Math.min(gray.width, gray.height) < 2) {
    throw new BlankImageError("The image is too small to hold a digit.");
  }
  let digit = inkMap(gray);
  const found = [["The ink, as read", digit]];
  if (!skip.has("crop")) {
    digit = cropToInk(digit);
    found.push([STEPS.crop, digit]);
  }
  if (skip.has("fit")) {
    return [...found, ["Squeezed to 28x28 (no box)", clip01(resample(digit, 28, 28, LANCZOS))]];
  }
  digit = fitBox(digit);
  found.push([STEPS.fit, digit]);
  if (!skip.has("center")) return [...found, [STEPS.center, centerByMass(digit)]];
  const out = new Float64Array(28 * 28);
  const top = Math.floor((28 - digit.height) / 2), left = Math.floor((28 - digit.width) / 2);
  for (let r = 0; r < digit.height; r++) {
    out.set(digit.data.subarray(r * digit.width, (r + 1) * digit.width), (top + r) * 28 + left);
  }
  return [...found, ["Put in the middle of 28x28", picture(out, 28, 28)]];
}

// ---- The quick path: read_image, ink_map and crop_to_ink for a picture of opaque gray levels ----
//
// A canvas's pixels are gray levels (r = g = b) with alpha 255. Then every pixel's gray, ink and
// normalized ink are functions of its level alone, and the median, the percentile and the crop need
// only how many pixels have each level and where the clear ones are: one pass counts the levels, one
// finds the crop (scanning each row only up to its first and from its last clear pixel), and 256-entry
// tables do the rest. The numbers are those of the general path (the same float32 expressions), at a
// fraction of the work: no float array of the whole picture, no sort. Anything else returns null.
const levelCounts = new Uint32Array(256); // reused: the live answer calls this many times a second
const borderCounts = new Uint32Array(256);

function inkOfGrayLevels(rgba, width, height) {
  const n = width * height;
  if (!(n > 0) || rgba.length !== n * 4 || Math.min(width, height) < 2 || Math.max(width, height) > WORKING_SIZE) {
    return null;
  }
  const words = pixelWords(rgba);
  if (!words || !countLevels(words, levelCounts)) return null;
  const background = borderMedian(rgba, width, height);
  const inkOfLevel = new Float32Array(256); // float32, as ink_map's array
  for (let level = 0; level < 256; level++) {
    const gray = GRAY_OF_LEVEL[level];
    inkOfLevel[level] = Math.max(background < 0.5 ? gray - background : background - gray, 0);
  }
  const strongest = n > 1000 ? percentileOfLevels(inkOfLevel, levelCounts, n, 99.9) : maxOfLevels(inkOfLevel, levelCounts);
  if (strongest < f32(MIN_CONTRAST)) throw new BlankImageError("The image is blank: draw or upload a digit.");
  for (let level = 0; level < 256; level++) {
    inkOfLevel[level] = Math.min(inkOfLevel[level] / strongest, 1);
    if (inkOfLevel[level] < f32(FLOOR)) inkOfLevel[level] = 0;
  }
  return cropLevels(words, width, height, inkOfLevel);
}

// The pixels as one 32-bit word each (a quarter of the reads), where the bytes allow it.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1; // every browser in practice
const OPAQUE_GRAY = Int32Array.from({ length: 256 }, (_, level) => (255 << 24) | (level * 0x010101)); // r = g = b = level, a = 255
function pixelWords(rgba) {
  return LITTLE_ENDIAN && rgba.byteOffset % 4 === 0 ? new Int32Array(rgba.buffer, rgba.byteOffset, rgba.length / 4) : null;
}

// How many pixels have each gray level; false as soon as one is not an opaque gray.
function countLevels(words, counts) {
  counts.fill(0);
  for (let i = 0; i < words.length; i++) {
    const level = words[i] & 255;
    if (words[i] !== OPAQUE_GRAY[level]) return false;
    counts[level]++;
  }
  return true;
}

// ink_map's background: the median gray of the border (np.concatenate of the four sides: corners twice).
function borderMedian(rgba, width, height) {
  borderCounts.fill(0);
  for (let c = 0; c < width; c++) {
    borderCounts[rgba[c * 4]]++;
    borderCounts[rgba[((height - 1) * width + c) * 4]]++;
  }
  for (let r = 0; r < height; r++) {
    borderCounts[rgba[r * width * 4]]++;
    borderCounts[rgba[(r * width + width - 1) * 4]]++;
  }
  const half = width + height; // of 2 * (width + height) values
  const kth = (k) => kthOfLevels(GRAY_OF_LEVEL, borderCounts, k);
  return f32(f32(kth(half - 1) + kth(half)) / 2); // median32
}

// The k-th smallest (from 0) of the pixels' values, each pixel's value being valueOfLevel[its level].
function kthOfLevels(valueOfLevel, counts, k) {
  const order = levelsByValue(valueOfLevel, counts);
  for (const level of order) {
    if (k < counts[level]) return valueOfLevel[level];
    k -= counts[level];
  }
  return valueOfLevel[order[order.length - 1]];
}

// The levels some pixel has, smallest value first.
function levelsByValue(valueOfLevel, counts) {
  const present = [];
  for (let level = 0; level < 256; level++) if (counts[level]) present.push(level);
  return present.sort((a, b) => valueOfLevel[a] - valueOfLevel[b]);
}

function maxOfLevels(valueOfLevel, counts) {
  let m = -Infinity;
  for (let level = 0; level < 256; level++) if (counts[level] && valueOfLevel[level] > m) m = valueOfLevel[level];
  return m;
}

// percentile32 over the n pixels' values, from the counts of their levels.
function percentileOfLevels(valueOfLevel, counts, n, q) {
  const virtual = (n - 1) * (q / 100);
  if (virtual >= n - 1) return maxOfLevels(valueOfLevel, counts);
  const previous = Math.floor(virtual);
  const gamma = virtual - previous;
  const below = kthOfLevels(valueOfLevel, counts, previous);
  const above = kthOfLevels(valueOfLevel, counts, previous + 1);
  const diff = f32(above - below);
  return gamma >= 0.5 ? f32(above - f32(diff * f32(1 - gamma))) : f32(below + f32(diff * f32(gamma)));
}

// crop_to_ink over the levels: the box of the clear pixels, filled with their normalized ink.
function cropLevels(words, width, height, inkOfLevel) {
  const clear = new Uint8Array(256);
  for (let level = 0; level < 256; level++) clear[level] = inkOfLevel[level] >= f32(NOISE_LEVEL) ? 1 : 0;
  let top = height, bottom = -1, left = width, right = -1;
  for (let r = 0; r < height; r++) {
    const row = r * width;
    let first = 0;
    while (first < width && !clear[words[row + first] & 255]) first++;
    if (first === width) continue;
    let last = width - 1;
    while (!clear[words[row + last] & 255]) last--;
    top = Math.min(top, r), bottom = r, left = Math.min(left, first), right = Math.max(right, last);
  }
  const h = bottom - top + 1, w = right - left + 1;
  if (Math.max(h, w) < MIN_DIGIT_FRACTION * Math.max(height, width) || Math.max(h, w) < 2) {
    throw new BlankImageError("That is only a dot: draw the whole digit, larger.");
  }
  const out = new Float32Array(h * w);
  for (let r = 0; r < h; r++) {
    const row = (top + r) * width + left;
    for (let c = 0; c < w; c++) out[r * w + c] = inkOfLevel[words[row + c] & 255];
  }
  return picture(out, w, h);
}

// (image * 255).astype(np.float32)
function to255({ data, width, height }) {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] * 255;
  return picture(out, width, height);
}

// read_image, for an ndarray: array_to_gray, then shrink.
function readImage(rgba, width, height) {
  if (!(width >= 0 && height >= 0) || rgba.length !== width * height * 4) {
    throw new ImageReadError(`Expected ${width}x${height}x4 RGBA bytes, got ${rgba.length}`);
  }
  return shrink(arrayToGray(rgba, width, height));
}

// refuse_too_many_pixels
function refuseTooManyPixels(width, height) {
  if (width * height > MAX_PIXELS) {
    const n = (v) => v.toLocaleString("en-US");
    const limit = n(MAX_PIXELS);
    throw new ImageReadError(`The image is too large (${n(width)}x${n(height)}): the limit is ${limit} pixels.`);
  }
}

// shrink: the longer side to WORKING_SIZE, by PIL's BOX resampling of a mode "F" image.
function shrink(gray) {
  const { width, height } = gray;
  if (Math.max(height, width) <= WORKING_SIZE) return gray;
  const scale = WORKING_SIZE / Math.max(height, width);
  const size = [Math.max(1, roundHalfEven(width * scale)), Math.max(1, roundHalfEven(height * scale))];
  return resample(gray, size[0], size[1], BOX_FILTER);
}

// array_to_gray, for uint8 RGBA: float32 gray = RGB @ weights; the transparent-background rule.
function arrayToGray(rgba, width, height) {
  if (width * height === 0) {
    const shape = `(${height}, ${width}, 4)`;
    throw new ImageReadError(`Expected an (h, w), (h, w, 3) or (h, w, 4) picture of numbers, got ${shape}`);
  }
  refuseTooManyPixels(width, height);
  const n = width * height;
  const gray = new Float32Array(n);
  let minAlpha = 255;
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    const r = rgba[j], g = rgba[j + 1], b = rgba[j + 2];
    gray[i] = r === g && g === b ? GRAY_OF_LEVEL[r] : grayOf(r, g, b); // a canvas's pixels are gray levels
    if (rgba[j + 3] < minAlpha) minAlpha = rgba[j + 3];
  }
  if (BYTE[minAlpha] > f32(0.99)) return picture(gray, width, height);
  // Transparent background: paint it the opposite of the ink, so the drawing stands out either way.
  const opaque = [];
  for (let i = 0; i < n; i++) if (BYTE[rgba[i * 4 + 3]] > 0.5) opaque.push(gray[i]);
  const inkIsDark = opaque.length > 0 && mean32(opaque) < 0.5;
  const background = inkIsDark ? 1.0 : 0.0;
  for (let i = 0; i < n; i++) {
    const alpha = BYTE[rgba[i * 4 + 3]];
    gray[i] = f32(f32(gray[i] * alpha) + background * f32(1 - alpha));
  }
  return picture(gray, width, height);
}

// ink_map: ink strength in [0, 1] (white on black), background removed; raise if blank.
function inkMap(gray) {
  const { data, width, height } = gray;
  const border = new Float32Array(2 * width + 2 * height); // np.concatenate: corners count twice
  border.set(data.subarray(0, width), 0);
  border.set(data.subarray((height - 1) * width, height * width), width);
  for (let r = 0; r < height; r++) {
    border[2 * width + r] = data[r * width];
    border[2 * width + height + r] = data[r * width + width - 1];
  }
  const background = median32(border);
  const ink = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    ink[i] = Math.max(background < 0.5 ? data[i] - background : background - data[i], 0);
  }
  const strongest = ink.length > 1000 ? percentile32(ink, 99.9) : max(ink);
  if (strongest < f32(MIN_CONTRAST)) throw new BlankImageError("The image is blank: draw or upload a digit.");
  for (let i = 0; i < ink.length; i++) {
    ink[i] = Math.min(ink[i] / strongest, 1);
    if (ink[i] < f32(FLOOR)) ink[i] = 0;
  }
  return picture(ink, width, height);
}

// crop_to_ink: the smallest box holding all clear ink; raise if the ink is only a speck.
function cropToInk(ink) {
  const { data, width, height } = ink;
  let top = height, bottom = -1, left = width, right = -1;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      if (data[r * width + c] >= f32(NOISE_LEVEL)) {
        top = Math.min(top, r), bottom = Math.max(bottom, r), left = Math.min(left, c), right = Math.max(right, c);
      }
    }
  }
  const h = bottom - top + 1, w = right - left + 1;
  if (Math.max(h, w) < MIN_DIGIT_FRACTION * Math.max(height, width) || Math.max(h, w) < 2) {
    throw new BlankImageError("That is only a dot: draw the whole digit, larger.");
  }
  const out = new Float32Array(h * w);
  for (let r = 0; r < h; r++) out.set(data.subarray((top + r) * width + left, (top + r) * width + left + w), r * w);
  return picture(out, w, h);
}

// fit_box: the longer side to 20 pixels, aspect kept, PIL's LANCZOS; float64, clipped to 0-1.
function fitBox(digit) {
  const { width, height } = digit;
  const scale = BOX / Math.max(height, width);
  const size = [Math.max(1, roundHalfEven(width * scale)), Math.max(1, roundHalfEven(height * scale))];
  return clip01(resample(digit, size[0], size[1], LANCZOS));
}

// np.asarray(image, dtype=np.float64).clip(0, 1)
function clip01({ data, width, height }) {
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.min(Math.max(data[i], 0), 1);
  return picture(out, width, height);
}

// center_by_mass: paste into 28x28 so the intensity center of mass lands on (14, 14).
function centerByMass(digit) {
  const { data, width, height } = digit;
  const byRow = new Float64Array(data.length), byCol = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    byRow[i] = Math.floor(i / width) * data[i];
    byCol[i] = (i % width) * data[i];
  }
  const total = sum64(data);
  const top = roundHalfEven(CENTER - sum64(byRow) / total), left = roundHalfEven(CENTER - sum64(byCol) / total);
  const out = new Float64Array(28 * 28);
  const r0 = Math.max(top, 0), c0 = Math.max(left, 0);
  const r1 = Math.min(top + height, 28), c1 = Math.min(left + width, 28);
  for (let r = r0; r < r1; r++) {
    for (let c = c0; c < c1; c++) out[r * 28 + c] = data[(r - top) * width + (c - left)];
  }
  return picture(out, 28, 28);
}

// ---- Pillow: Image.resize of a mode "F" image (src/libImaging/Resample.c) ----

// box_filter: 1 on (-0.5, 0.5]
const BOX_FILTER = { support: 0.5, weight: (x) => (x > -0.5 && x <= 0.5 ? 1.0 : 0.0) };
// sinc_filter
const sinc = (x) => (x === 0.0 ? 1.0 : Math.sin(x * Math.PI) / (x * Math.PI));
// lanczos_filter: truncated sinc
const LANCZOS = { support: 3.0, weight: (x) => (-3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0) };

// ImagingResample / ImagingResampleInner (Pillow 13): one pass per changed side, float32 between the two;
// the vertical pass first when the height loses more than twice the pixels the width loses.
function resample(image, width, height, filter) {
  let { data, width: w, height: h } = image;
  data = new Float32Array(data); // Image.fromarray(digit.astype(np.float32), mode="F")
  const verticalFirst = h - height > 0 && h - height > (w - width) * 2;
  if (height !== h && verticalFirst) {
    data = resampleVertical(data, w, coefficients(h, height, filter), height);
    h = height;
  }
  if (width !== w) {
    data = resampleHorizontal(data, w, h, coefficients(w, width, filter), width);
    w = width;
  }
  if (height !== h) data = resampleVertical(data, w, coefficients(h, height, filter), height);
  return picture(data, width, height);
}

// precompute_coeffs, kept: the live answer resizes crops of a few sizes many times a second.
const knownCoefficients = new Map(); // "filter in>out" -> taps
function coefficients(inSize, outSize, filter) {
  const key = `${filter.support} ${inSize}>${outSize}`;
  if (!knownCoefficients.has(key)) {
    if (knownCoefficients.size >= 1000) knownCoefficients.clear(); // a bound, for a page open all day
    knownCoefficients.set(key, computeCoefficients(inSize, outSize, filter));
  }
  return knownCoefficients.get(key);
}

// precompute_coeffs: for each output pixel, its first input pixel and its normalized weights.
function computeCoefficients(inSize, outSize, filter) {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1.0);
  const support = filter.support * filterscale;
  const invFilterscale = 1.0 / filterscale;
  const taps = [];
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0); // C's (int) cast truncates
    const count = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    const weights = new Float64Array(Math.max(count, 0));
    let ww = 0.0;
    for (let x = 0; x < count; x++) {
      weights[x] = filter.weight((x + xmin - center + 0.5) * invFilterscale);
      ww += weights[x];
    }
    if (ww !== 0.0) for (let x = 0; x < count; x++) weights[x] /= ww;
    taps.push({ first: xmin, weights });
  }
  return taps;
}

// ImagingResampleHorizontal_32bpc, FLOAT32: double sums, stored as float32.
function resampleHorizontal(data, w, h, taps, outW) {
  const out = new Float32Array(outW * h);
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < outW; xx++) {
      const { first, weights } = taps[xx];
      let ss = 0.0;
      for (let x = 0; x < weights.length; x++) ss += data[y * w + first + x] * weights[x];
      out[y * outW + xx] = ss;
    }
  }
  return out;
}

// ImagingResampleVertical_32bpc, FLOAT32: double sums, stored as float32.
function resampleVertical(data, w, taps, outH) {
  const out = new Float32Array(w * outH);
  for (let yy = 0; yy < outH; yy++) {
    const { first, weights } = taps[yy];
    for (let xx = 0; xx < w; xx++) {
      let ss = 0.0;
      for (let y = 0; y < weights.length; y++) ss += data[(first + y) * w + xx] * weights[y];
      out[yy * w + xx] = ss;
    }
  }
  return out;
}

// ---- numpy and Python arithmetic ----

// Python's round(): half to even
function roundHalfEven(x) {
  const r = Math.round(x); // half up
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// A float32 fused multiply-add, a * b + c rounded once (a, b, c float32; as OpenBLAS's FMA kernels).
function fma32(a, b, c) {
  const p = a * b; // exact in float64: 24 + 24 bits
  const s = p + c;
  const t = s - p;
  const e = (p - (s - t)) + (c - t); // what rounding s to float64 lost
  let r = f32(s);
  if (e !== 0 && r !== s) {
    const other = 2 * s - r; // float32 only when s sits exactly halfway between r and other
    if (f32(other) === other && (e > 0) === (other > r)) r = other;
  }
  return r;
}

// numpy's pairwise summation (numpy/_core/src/umath/loops_utils.h.src), rounding each add with `round`.
function pairwiseSum(a, start, n, round) {
  if (n < 8) {
    let res = -0.0;
    for (let i = 0; i < n; i++) res = round(res + a[start + i]);
    return res;
  }
  if (n <= 128) {
    const r = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => a[start + j]);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] = round(r[j] + a[start + i + j]);
    let res = round(round(round(r[0] + r[1]) + round(r[2] + r[3])) + round(round(r[4] + r[5]) + round(r[6] + r[7])));
    for (; i < n; i++) res = round(res + a[start + i]);
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return round(pairwiseSum(a, start, n2, round) + pairwiseSum(a, start + n2, n - n2, round));
}

// ndarray.sum() of float64
const sum64 = (a) => pairwiseSum(a, 0, a.length, (v) => v);

// ndarray.mean() of float32: a float32 pairwise sum over the count
const mean32 = (a) => f32(pairwiseSum(a, 0, a.length, f32) / f32(a.length));

// ndarray.max()
function max(a) {
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) if (a[i] > m) m = a[i];
  return m;
}

// np.median of an even number of float32 values: the float32 mean of the middle two
function median32(values) {
  const sorted = Float32Array.from(values).sort();
  const half = sorted.length / 2;
  return f32(f32(sorted[half - 1] + sorted[half]) / 2);
}

// np.percentile(values, q) of float32 values, method "linear" (numpy's _quantile and _lerp)
function percentile32(values, q) {
  const n = values.length;
  const virtual = (n - 1) * (q / 100);
  if (virtual >= n - 1) return max(values);
  const previous = Math.floor(virtual);
  const gamma = virtual - previous;
  // Ink is never below 0 and mostly exactly 0: the k-th smallest is 0 while k is among the zeros, else
  // the (k - zeros)-th smallest of the rest (the same value numpy's partition finds, on less to sort).
  let count = 0;
  for (let i = 0; i < n; i++) if (values[i] !== 0) count++;
  const rest = new Float32Array(count);
  for (let i = 0, j = 0; i < n; i++) if (values[i] !== 0) rest[j++] = values[i];
  const zeros = n - count;
  const kth = (k) => (k < zeros ? 0 : select(rest, k - zeros));
  const below = kth(previous);
  let above = previous + 1 < zeros ? 0 : Infinity; // the next value up: the smallest of those after `previous`
  if (previous + 1 >= zeros) for (let i = previous + 1 - zeros; i < rest.length; i++) if (rest[i] < above) above = rest[i];
  const diff = f32(above - below);
  return gamma >= 0.5 ? f32(above - f32(diff * f32(1 - gamma))) : f32(below + f32(diff * f32(gamma)));
}

// Quickselect (Hoare partition): a[k] becomes the k-th smallest, smaller before it, larger after it.
function select(a, k) {
  let lo = 0, hi = a.length - 1;
  while (lo < hi) {
    const m = (lo + hi) >> 1; // median-of-three pivot
    const pivot = Math.max(Math.min(a[lo], a[hi]), Math.min(Math.max(a[lo], a[hi]), a[m]));
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i++] = a[j];
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k];
}

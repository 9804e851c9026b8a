// Photos are downscaled on the phone before they are stored or sent: a 12 MP camera picture
// of 4-8 MB becomes a JPEG of a few hundred kB, which uploads on a weak signal. Redrawing on a
// canvas also drops the original's metadata (location included) before it leaves the phone;
// only the capture time is carried over (exif.js), for the server's QA checks.

import { readCaptureTime, withCaptureTime } from "./exif.js";

const MAX_SIDE = 1600;
const QUALITY = 0.82;
const ACCEPTED = ["image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"];

async function decode(file) {
  if ("createImageBitmap" in window) {
    try {
      // "from-image" applies the EXIF orientation, so portrait photos stay upright.
      return await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch {
      // fall through to <img> (some browsers decode HEIC only there)
    }
  }
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  } finally {
    URL.revokeObjectURL(url);
  }
}

// -> {blob, content_type, width, height}; the original file when the browser cannot decode it
// (the server accepts HEIC and converts it).
export async function downscale(file) {
  let image;
  try {
    image = await decode(file);
  } catch {
    if (ACCEPTED.includes(file.type)) {
      return { blob: file, content_type: file.type, width: null, height: null };
    }
    throw new Error("not an image");
  }
  const width = image.width || image.naturalWidth;
  const height = image.height || image.naturalHeight;
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0, canvas.width, canvas.height);
  if (image.close) image.close();
  const small = await new Promise((resolve, reject) => {
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("encode failed"))), "image/jpeg", QUALITY);
  });
  const blob = withCaptureTime(small, await readCaptureTime(file));
  return { blob, content_type: "image/jpeg", width: canvas.width, height: canvas.height };
}

// The capture time survives downscaling. Redrawing a photo on a canvas drops all its metadata
// (good: the location goes), but the server's QA compares the camera's DateTimeOriginal with
// the visit's times ("photo taken outside the visit"). So we read that one field (and its
// OffsetTimeOriginal) from the original JPEG and write only those into the small copy.

const SOI = 0xffd8;
const APP1 = 0xffe1;
const SOS = 0xffda;
const EXIF_IFD = 0x8769;
const DATE_TIME_ORIGINAL = 0x9003;
const OFFSET_TIME_ORIGINAL = 0x9011;
const ASCII = 2;
const LONG = 4;

function text(view, at, length) {
  let out = "";
  for (let i = 0; i < length && at + i < view.byteLength; i += 1) out += String.fromCharCode(view.getUint8(at + i));
  return out;
}

// -> {dateTime: "2026:10:14 09:41:07", offset: "+02:00" | null} or null
export async function readCaptureTime(file) {
  try {
    const view = new DataView(await file.slice(0, 256 * 1024).arrayBuffer());
    if (view.byteLength < 4 || view.getUint16(0) !== SOI) return null;
    let at = 2;
    while (at + 4 <= view.byteLength) {
      const marker = view.getUint16(at);
      if ((marker & 0xff00) !== 0xff00 || marker === SOS) return null;
      if (marker === APP1 && text(view, at + 4, 6) === "Exif\0\0") return readTiff(view, at + 10);
      at += 2 + view.getUint16(at + 2);
    }
  } catch {
    // An unreadable header only means no capture time.
  }
  return null;
}

function readTiff(view, tiff) {
  const little = view.getUint16(tiff) === 0x4949;
  const u16 = (o) => view.getUint16(tiff + o, little);
  const u32 = (o) => view.getUint32(tiff + o, little);
  const entries = (ifd) => {
    const found = {};
    for (let i = 0, n = u16(ifd); i < n; i += 1) {
      const entry = ifd + 2 + i * 12;
      found[u16(entry)] = { count: u32(entry + 4), value: entry + 8 };
    }
    return found;
  };
  const ascii = (entry) => {
    const where = entry.count > 4 ? u32(entry.value) : entry.value;
    return text(view, tiff + where, entry.count).replace(/\0.*$/s, "");
  };
  const ifd0 = entries(u32(4));
  if (!ifd0[EXIF_IFD]) return null;
  const exif = entries(u32(ifd0[EXIF_IFD].value));
  if (!exif[DATE_TIME_ORIGINAL]) return null;
  const dateTime = ascii(exif[DATE_TIME_ORIGINAL]);
  if (!/^\d{4}:\d{2}:\d{2} \d{2}:\d{2}:\d{2}$/.test(dateTime)) return null;
  const offset = exif[OFFSET_TIME_ORIGINAL] ? ascii(exif[OFFSET_TIME_ORIGINAL]) : null;
  return { dateTime, offset: offset && /^[+-]\d{2}:\d{2}$/.test(offset) ? offset : null };
}

// A minimal little-endian EXIF block: IFD0 -> Exif IFD with the one or two time fields.
function exifSegment({ dateTime, offset }) {
  const fields = [[DATE_TIME_ORIGINAL, `${dateTime}\0`]];
  if (offset) fields.push([OFFSET_TIME_ORIGINAL, `${offset}\0`]);
  const exifIfd = 8 + 2 + 12 + 4;
  let data = exifIfd + 2 + fields.length * 12 + 4;
  const size = data + fields.reduce((sum, [, value]) => sum + value.length, 0);
  const tiff = new DataView(new ArrayBuffer(size));
  tiff.setUint16(0, 0x4949);
  tiff.setUint16(2, 42, true);
  tiff.setUint32(4, 8, true);
  tiff.setUint16(8, 1, true);
  tiff.setUint16(10, EXIF_IFD, true);
  tiff.setUint16(12, LONG, true);
  tiff.setUint32(14, 1, true);
  tiff.setUint32(18, exifIfd, true);
  tiff.setUint32(22, 0, true);
  tiff.setUint16(exifIfd, fields.length, true);
  fields.forEach(([tag, value], i) => {
    const entry = exifIfd + 2 + i * 12;
    tiff.setUint16(entry, tag, true);
    tiff.setUint16(entry + 2, ASCII, true);
    tiff.setUint32(entry + 4, value.length, true);
    tiff.setUint32(entry + 8, data, true);
    for (let k = 0; k < value.length; k += 1) tiff.setUint8(data + k, value.charCodeAt(k));
    data += value.length;
  });
  tiff.setUint32(exifIfd + 2 + fields.length * 12, 0, true);
  const header = new DataView(new ArrayBuffer(10));
  header.setUint16(0, APP1);
  header.setUint16(2, 2 + 6 + size);
  [..."Exif\0\0"].forEach((c, i) => header.setUint8(4 + i, c.charCodeAt(0)));
  return [header.buffer, tiff.buffer];
}

// The canvas's JPEG with the capture time put back right after its start marker.
export function withCaptureTime(jpeg, capture) {
  if (!capture) return jpeg;
  return new Blob([jpeg.slice(0, 2), ...exifSegment(capture), jpeg.slice(2)], { type: "image/jpeg" });
}

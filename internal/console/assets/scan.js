/*
 * scan.js: the phone's camera as a QR reader for a form of codes.
 *
 * The form works without this script: a clerk types codes, or a handheld
 * scanner types them, one a line, into <textarea name="codes">. With it, a
 * button opens the camera and each QR label it sees is added as a line.
 * No build step, no inline code: the page's CSP allows only script-src
 * 'self', and every word shown comes from the page, in its language.
 *
 * HTML contract (only data-scan, the textarea and the button are required):
 *
 *   <meta name="csrf-token" content="TOKEN">     or data-csrf on the form
 *   <form method="post" data-scan
 *         data-lookup="/console/shop/lookup"   POST a code (text/plain), get
 *                                              {"label": "Trà … · Lô L-01"};
 *                                              the codes the camera added are
 *                                              counted by label
 *         data-csrf="TOKEN"                    sent as X-CSRF-Token
 *         data-decoder="jsqr"                  never use BarcodeDetector
 *         data-text-stop="Tắt camera"          the button while the camera is on
 *         data-text-starting="Đang mở camera…"
 *         data-text-ready="Hướng camera vào tem"
 *         data-text-added="Đã có {n} mã"       {n}: codes in the textarea
 *         data-text-duplicate="Mã này đã có"
 *         data-text-denied="Không mở được camera"
 *         data-text-unsupported="Trình duyệt không đọc được mã QR"
 *         data-text-stopped="Đã tắt camera"
 *         data-text-unknown="?"                label without lookup, or on error
 *         data-text-count="{label}: {n}">      one line of the counts
 *     <textarea name="codes"></textarea>
 *     <button type="button" data-scan-open hidden>Mở camera</button>  its text
 *                                                 comes back when the camera stops
 *     <video data-scan-video hidden></video>      optional; made if absent
 *     <p data-scan-status role="status" aria-live="polite"></p>  optional
 *     <ul data-scan-counts></ul>                  optional; gets one <li> a label
 *   </form>
 *   <script src="…/vendor/jsqr/jsQR.js" defer></script>   before scan.js
 *   <script src="…/scan.js" defer></script>
 *
 * Till mode, for selling one item at a time: the form has data-scan-till
 * and <input name="code"> instead of the textarea, and each code the
 * camera reads is sold at once while the camera stays on:
 *
 *   <section data-scan-outcome hidden></section>  where the outcome is shown
 *   <form method="post" data-scan
 *         data-scan-till="/console/shop/sale/scan"  POST code=…&key=… (a form),
 *                                              get {"kind", "tone", "icon",
 *                                              "headline", "detail", "item",
 *                                              "advice"}
 *         data-text-selling="Đang ghi nhận…"
 *         data-text-failed="Chưa ghi nhận được"   the sale did not reach the
 *                                              server; the code may be scanned
 *                                              again
 *         …the camera's texts above>
 *     <input name="code">                           a handheld scanner types here
 *     <button type="button" data-scan-open hidden>Mở camera</button>
 *   </form>
 *
 * A code keeps its key for as long as the page is open, so that the camera
 * seeing a sold item again after a restart is the same sale, not a copy.
 * scan.js sets data-outcome on the outcome to the outcome's kind.
 *
 * The button stays hidden where the browser has no camera API. Without
 * jsQR.js only a browser with BarcodeDetector reads codes. scan.js sets on
 * the form, for the page's CSS and for tests:
 *   data-scan-state="on|off"                      whether the camera runs
 *   data-scan-decoder="barcode-detector|jsqr"     which decoder reads frames
 */
(() => {
  'use strict';

  // English only as a last resort: the page is meant to give every word.
  const FALLBACK = {
    stop: 'Stop camera',
    starting: 'Opening the camera…',
    ready: 'Point the camera at a QR label',
    added: '{n} codes',
    duplicate: 'Already in the list',
    denied: 'The camera could not be opened',
    unsupported: 'This browser cannot read QR codes',
    stopped: 'Camera off',
    unknown: '?',
    count: '{label}: {n}',
    selling: 'Recording…',
    failed: 'Not recorded; scan again',
  };
  // jsQR's time grows with the pixels; a label that fills the view reads
  // well at 640 wide, and a phone's 1920 would be slow.
  const MAX_WIDTH = 640;
  // A pause between frames: plenty for a clerk's pace, and spares the battery.
  const TICK_MS = 120;

  const fill = (template, values) =>
    template.replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));
  const lines = (text) => text.split('\n').map((s) => s.trim()).filter(Boolean);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  function wire(form) {
    // In till mode each code is sold as it is read; else it joins the list.
    const till = form.dataset.scanTill || '';
    const codes = form.querySelector(till ? 'input[name="code"]' : 'textarea[name="codes"]');
    const button = form.querySelector('[data-scan-open]');
    if (!codes || !button || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return; // typing still works
    }
    const text = (key) => form.dataset['text' + key[0].toUpperCase() + key.slice(1)] || FALLBACK[key];
    const status = form.querySelector('[data-scan-status]');
    const countList = form.querySelector('[data-scan-counts]');
    const outcome = document.querySelector('[data-scan-outcome]');
    const keys = new Map(); // code -> the key of its sale, in till mode
    const video = form.querySelector('video[data-scan-video]') || document.createElement('video');
    if (!video.isConnected) button.after(Object.assign(video, { hidden: true }));
    // Muted and inline, or phones refuse to play it or play it full screen.
    video.muted = true;
    video.playsInline = true;
    const canvas = document.createElement('canvas');
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const openLabel = button.textContent;
    const perLabel = new Map();
    let stream = null, decoder = null, audio = null, last = '';
    let session = 0; // bumped by every start and stop, so a late camera is let go

    const say = (message) => { if (status) status.textContent = message; };

    async function pickDecoder() {
      if (form.dataset.decoder !== 'jsqr' && 'BarcodeDetector' in window) {
        try {
          if ((await BarcodeDetector.getSupportedFormats()).includes('qr_code')) {
            const detector = new BarcodeDetector({ formats: ['qr_code'] });
            return {
              name: 'barcode-detector',
              decode: async () => (await detector.detect(canvas)).map((b) => b.rawValue),
            };
          }
        } catch (_) {
          // Declared but unusable (no platform support): jsQR it is.
        }
      }
      if (typeof window.jsQR !== 'function') return null;
      return {
        name: 'jsqr',
        decode: async () => {
          const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
          // Printed labels are dark on light; skipping inverted search halves the time.
          const found = window.jsQR(img.data, img.width, img.height, { inversionAttempts: 'dontInvert' });
          return found ? [found.data] : [];
        },
      };
    }

    async function start() {
      const me = ++session;
      last = ''; // a label scanned before the camera was off is news again
      say(text('starting'));
      // Made here, in the click, because browsers let only a tap start sound.
      try {
        audio = audio || new (window.AudioContext || window.webkitAudioContext)();
        if (audio.state === 'suspended') audio.resume();
      } catch (_) {
        audio = null; // no beep, still a scan
      }
      decoder = decoder || (await pickDecoder());
      if (!decoder) {
        say(text('unsupported'));
        return;
      }
      let s;
      try {
        s = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
      } catch (_) {
        if (me === session) say(text('denied'));
        return;
      }
      if (me !== session) {
        s.getTracks().forEach((t) => t.stop());
        return;
      }
      stream = s;
      form.dataset.scanDecoder = decoder.name;
      form.dataset.scanState = 'on';
      button.textContent = text('stop');
      video.srcObject = s;
      video.hidden = false;
      video.play().catch(() => {}); // the loop waits for frames either way
      say(text('ready'));
      loop(s);
    }

    function stop(message) {
      session++;
      if (!stream) return;
      stream.getTracks().forEach((t) => t.stop());
      stream = null;
      video.srcObject = null;
      video.hidden = true;
      button.textContent = openLabel;
      form.dataset.scanState = 'off';
      if (message) say(message);
    }

    async function loop(s) {
      while (stream === s) {
        const w = video.videoWidth;
        if (w && video.readyState >= video.HAVE_CURRENT_DATA) {
          const scale = Math.min(1, MAX_WIDTH / w);
          const cw = Math.round(w * scale), ch = Math.round(video.videoHeight * scale);
          // Setting a size clears the canvas and its state: only on a change.
          if (canvas.width !== cw) canvas.width = cw;
          if (canvas.height !== ch) canvas.height = ch;
          ctx.drawImage(video, 0, 0, cw, ch);
          try {
            (await decoder.decode()).forEach(found);
          } catch (_) {
            // One unreadable frame; the next may do.
          }
        }
        await sleep(TICK_MS);
      }
    }

    function found(raw) {
      const code = String(raw).trim();
      // The label still in view is seen again each frame: one word is enough.
      if (!code || code.includes('\n') || code === last) return;
      last = code;
      if (till) {
        beep();
        if (navigator.vibrate) navigator.vibrate(60);
        sell(code);
        return;
      }
      // The textarea is the list, whatever typed into it, so it is what a
      // duplicate is checked against.
      const have = lines(codes.value);
      if (have.includes(code)) {
        say(text('duplicate'));
        return;
      }
      codes.value += (codes.value && !codes.value.endsWith('\n') ? '\n' : '') + code + '\n';
      codes.dispatchEvent(new Event('input', { bubbles: true }));
      say(fill(text('added'), { n: have.length + 1 }));
      beep();
      if (navigator.vibrate) navigator.vibrate(60);
      lookup(code).then((label) => {
        perLabel.set(label, (perLabel.get(label) || 0) + 1);
        showCounts();
      });
    }

    function beep() {
      if (!audio) return;
      try {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.frequency.value = 880;
        gain.gain.value = 0.1;
        osc.connect(gain).connect(audio.destination);
        osc.start();
        osc.stop(audio.currentTime + 0.08);
      } catch (_) {
        // Silence is no reason to lose a scan.
      }
    }

    function csrfHeaders() {
      const meta = document.querySelector('meta[name="csrf-token"]');
      const token = form.dataset.csrf || (meta && meta.content);
      return token ? { 'X-CSRF-Token': token } : {};
    }

    async function lookup(code) {
      const url = form.dataset.lookup;
      if (!url) return text('unknown');
      try {
        const headers = csrfHeaders();
        const res = await fetch(url, { method: 'POST', body: code, credentials: 'same-origin', headers });
        if (!res.ok) return text('unknown');
        const body = await res.json();
        return typeof body.label === 'string' && body.label ? body.label : text('unknown');
      } catch (_) {
        return text('unknown'); // offline: the code is in the list all the same
      }
    }

    const newKey = () =>
      'till-' + Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

    async function sell(code) {
      say(text('selling'));
      if (!keys.has(code)) keys.set(code, newKey());
      const headers = Object.assign(csrfHeaders(), { Accept: 'application/json' });
      try {
        const body = new URLSearchParams({ code, key: keys.get(code) });
        const res = await fetch(till, { method: 'POST', body, credentials: 'same-origin', headers });
        if (!res.ok) throw new Error('HTTP ' + res.status);
        show(await res.json());
        say(text('ready'));
      } catch (_) {
        last = ''; // the same label may be scanned again: same key, one sale
        say(text('failed'));
      }
    }

    const element = (tag, className, content) => {
      const e = document.createElement(tag);
      if (className) e.className = className;
      e.textContent = content;
      return e;
    };

    function show(o) {
      codes.value = '';
      if (!outcome) return;
      outcome.className = 'till-outcome ' + (o.tone || '');
      outcome.dataset.outcome = o.kind || '';
      const icon = element('p', 'icon', o.icon || '');
      icon.setAttribute('aria-hidden', 'true');
      const body = document.createElement('div');
      body.append(element('h2', '', o.headline || ''), element('p', '', o.detail || ''));
      if (o.item) body.append(element('p', 'item', o.item));
      if (o.advice) body.append(element('p', 'advice', o.advice));
      outcome.replaceChildren(icon, body);
      outcome.hidden = false;
    }

    function showCounts() {
      if (!countList) return;
      countList.replaceChildren(...Array.from(perLabel, ([label, n]) => {
        const li = document.createElement('li');
        li.textContent = fill(text('count'), { label, n });
        return li;
      }));
    }

    button.hidden = false;
    button.addEventListener('click', () => (stream ? stop(text('stopped')) : start()));
    // A camera left on after the form is sent, or while the phone is in a
    // pocket, drains the battery and keeps the camera light on.
    form.addEventListener('submit', () => stop());
    document.addEventListener('visibilitychange', () => {
      if (document.hidden) stop(text('stopped'));
    });
  }

  const init = () => document.querySelectorAll('form[data-scan]').forEach(wire);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();

// Adviser console: availability, incoming calls with a ring, and the call itself.
// Speaks the signaling protocol of hub/protocol/signaling.py over one WebSocket.
// The kiosk makes the offer; this page answers (no trickle ICE: one description each way).
(() => {
  "use strict";
  const root = document.getElementById("console");
  if (!root) return;
  const $ = (name) => root.querySelector(`[data-field="${name}"]`);
  const action = (name) => root.querySelector(`[data-action="${name}"]`);
  const forceRelay = root.dataset.relay === "1";
  const STATS_EVERY_MS = 2000;
  const REPORT_EVERY = 3; // quality reports to the hub every 3rd sample (about 5 s)

  const TOPIC_WORDS = {};
  const REASONS = {
    "missed": "Personne n'a répondu à temps.",
    "cancelled": "La personne a annulé l'appel.",
    "kiosk-hung-up": "La personne a raccroché.",
    "adviser-hung-up": "Vous avez raccroché.",
    "kiosk-left": "La borne a perdu la connexion.",
    "adviser-left": "Votre connexion a été coupée.",
    "failed": "La connexion audio/vidéo n'a pas pu s'établir.",
    "unavailable": "Aucun conseiller disponible.",
  };

  let ws = null;
  let backoff = 1000;
  let stopped = false;
  let wantAvailable = false;
  const ringing = new Map(); // call_id -> CallRinging
  let call = null; // {id, title, pc, stream, started, audioOnly, timer, statsTimer, ...}

  // -- ring tone (Web Audio: needs a user gesture first, the availability switch) ------
  let audio = null;
  let ringTimer = null;
  function ensureAudio() {
    if (!audio) {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (Ctx) audio = new Ctx();
    }
    if (audio && audio.state === "suspended") audio.resume();
  }
  function beep() {
    if (!audio) return;
    const now = audio.currentTime;
    [0, 0.35].forEach((offset, i) => {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = i ? 660 : 880;
      gain.gain.setValueAtTime(0.0001, now + offset);
      gain.gain.exponentialRampToValueAtTime(0.25, now + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + offset + 0.3);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + offset);
      osc.stop(now + offset + 0.32);
    });
  }
  function updateRing() {
    const shouldRing = ringing.size > 0 && !call;
    root.dataset.ringing = shouldRing ? "1" : "0";
    if (shouldRing && !ringTimer) {
      beep();
      ringTimer = setInterval(beep, 1500);
    } else if (!shouldRing && ringTimer) {
      clearInterval(ringTimer);
      ringTimer = null;
    }
  }

  // -- socket -------------------------------------------------------------------------
  function send(message) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ v: 1, ...message }));
  }
  function setLink(text, kind) {
    const el = $("link");
    el.textContent = text;
    el.className = `link-state badge small ${kind}`;
  }
  function problem(text) {
    const el = $("problem");
    el.textContent = text || "";
    el.hidden = !text;
  }
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    ws = new WebSocket(`${scheme}://${location.host}${root.dataset.ws}`);
    setLink("Connexion…", "muted");
    ws.addEventListener("open", () => {
      backoff = 1000;
      setLink("Connecté", "ok");
      problem("");
      action("availability").disabled = false;
      if (wantAvailable) send({ type: "adviser.availability", available: true });
    });
    ws.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (_) {
        return;
      }
      handle(message);
    });
    ws.addEventListener("close", (event) => {
      action("availability").disabled = true;
      ringing.clear();
      renderQueue();
      if (call) endCall("adviser-left");
      if (event.code === 4401) {
        location.href = "/login?next=/console";
        return;
      }
      if (event.code === 4403) {
        stopped = true;
        setLink("Refusé", "bad");
        problem((event.reason || "").startsWith("origin")
          ? "Connexion refusée : ouvrez la console depuis l'adresse du hub."
          : "Votre compte n'est rattaché à aucun partenaire : demandez à l'exploitation de vous ajouter comme conseiller.");
        return;
      }
      if (event.code === 4409) {
        stopped = true;
        setLink("Ouverte ailleurs", "warn");
        problem("La console est ouverte dans un autre onglet ou un autre poste ; celle-ci est en pause. Rechargez la page pour la reprendre ici.");
        return;
      }
      if (stopped) return;
      setLink("Reconnexion…", "warn");
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 30000);
    });
  }

  function handle(m) {
    switch (m.type) {
      case "adviser.hello":
        $("who").textContent = `${m.name} · ${m.partner}`;
        root.dataset.topics = m.topics.join(",");
        break;
      case "call.ringing":
        ringing.set(m.call_id, m);
        TOPIC_WORDS[m.topic] = m.topic_label;
        renderQueue();
        break;
      case "call.withdrawn":
        ringing.delete(m.call_id);
        renderQueue();
        break;
      case "call.assigned":
        startCall(m);
        break;
      case "sdp.offer":
        if (call && call.id === m.call_id) answer(m.sdp, m.renegotiate);
        break;
      case "call.media":
        if (call && call.id === m.call_id) setAudioOnly(m.audio_only, false);
        break;
      case "call.ended":
        ringing.delete(m.call_id);
        renderQueue();
        if (call && call.id === m.call_id) endCall(m.reason);
        break;
      case "error":
        if (m.code === "not-ringing") {
          problem("Cet appel a déjà été pris par un collègue ou annulé.");
          if (m.call_id) ringing.delete(m.call_id);
          renderQueue();
        } else {
          problem(`Refusé par le hub : ${m.detail || m.code}`);
        }
        break;
      default:
        break;
    }
  }

  // -- availability and the queue -------------------------------------------------------
  action("availability").addEventListener("click", () => {
    ensureAudio();
    wantAvailable = !wantAvailable;
    const button = action("availability");
    button.setAttribute("aria-pressed", String(wantAvailable));
    $("availability").textContent = wantAvailable ? "Disponible" : "Indisponible";
    send({ type: "adviser.availability", available: wantAvailable });
    if (wantAvailable) warmUpMedia();
  });

  function waitedText(requestedAt) {
    const seconds = Math.max(0, Math.round((Date.now() - Date.parse(requestedAt)) / 1000));
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  }

  function renderQueue() {
    const list = $("calls");
    list.replaceChildren();
    for (const m of ringing.values()) {
      const item = document.createElement("li");
      item.className = "ringing";
      item.dataset.call = m.call_id;
      const topic = document.createElement("span");
      topic.className = "topic";
      topic.textContent = m.topic_label || m.topic;
      const who = document.createElement("span");
      who.className = "who";
      const caller = m.caller || {};
      const name = caller.first_name || "Personne non identifiée";
      who.textContent = `${name} · ${caller.commune || m.site}`;
      const site = document.createElement("span");
      site.className = "muted";
      site.textContent = m.site;
      const waited = document.createElement("span");
      waited.className = "waited";
      waited.dataset.requested = m.requested_at;
      waited.textContent = `attend depuis ${waitedText(m.requested_at)}`;
      const accept = document.createElement("button");
      accept.type = "button";
      accept.className = "btn btn-primary accept";
      accept.textContent = m.audio_only ? "Répondre (son seul)" : "Répondre";
      accept.disabled = Boolean(call);
      accept.addEventListener("click", () => {
        ensureAudio();
        accept.disabled = true;
        send({ type: "call.accept", call_id: m.call_id });
      });
      item.append(topic, who, site, waited, accept);
      list.append(item);
    }
    $("queue-empty").hidden = ringing.size > 0;
    const count = $("ringing-count");
    count.textContent = String(ringing.size);
    count.hidden = ringing.size === 0;
    document.title = ringing.size ? `(${ringing.size}) Appels · Gaïa` : "Appels · Gaïa exploitation";
    updateRing();
  }
  setInterval(() => {
    root.querySelectorAll(".waited[data-requested]").forEach((el) => {
      el.textContent = `attend depuis ${waitedText(el.dataset.requested)}`;
    });
  }, 1000);

  // -- media ------------------------------------------------------------------------------
  let warmStream = null;
  async function getMedia() {
    if (warmStream && warmStream.getTracks().some((t) => t.readyState === "live")) {
      const s = warmStream;
      warmStream = null;
      return s;
    }
    const wanted = { audio: true, video: { width: 640, height: 480, frameRate: 15 } };
    try {
      return await navigator.mediaDevices.getUserMedia(wanted);
    } catch (_) {
      try {
        problem("Caméra indisponible : l'appel se fera en son seul de votre côté.");
        return await navigator.mediaDevices.getUserMedia({ audio: true });
      } catch (__) {
        problem("Ni caméra ni micro : vous verrez et entendrez la personne, sans pouvoir lui parler.");
        return new MediaStream();
      }
    }
  }
  async function warmUpMedia() {
    // Asks for the permissions when the adviser goes available, not when a call comes.
    if (warmStream || call) return;
    try {
      warmStream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
    } catch (_) {
      warmStream = null;
    }
  }

  // -- the call ----------------------------------------------------------------------------
  function show(panel) {
    ["queue", "call", "after"].forEach((name) => {
      root.querySelector(`[data-panel="${name}"]`).hidden = name !== panel;
    });
  }

  function startCall(assigned) {
    const ring = ringing.get(assigned.call_id);
    ringing.delete(assigned.call_id);
    const caller = (ring && ring.caller) || {};
    call = {
      id: assigned.call_id,
      iceServers: assigned.ice_servers || [],
      title: ring ? `${ring.topic_label} · ${caller.first_name || "personne non identifiée"} · ${ring.site}` : "",
      pc: null,
      stream: null,
      started: Date.now(),
      audioOnly: Boolean(ring && ring.audio_only),
      muted: false,
      cameraOff: false,
      samples: 0,
      last: null,
    };
    root.dataset.call = call.id;
    root.dataset.framesDecoded = "0";
    $("call-title").textContent = call.title;
    $("next-step").value = "";
    $("rtt").textContent = $("loss").textContent = $("bitrate").textContent = $("frames").textContent = "—";
    setAudioOnly(call.audioOnly, false);
    ["mute", "camera"].forEach((name) => action(name).setAttribute("aria-pressed", "false"));
    show("call");
    renderQueue();
    call.timer = setInterval(() => {
      const s = Math.round((Date.now() - call.started) / 1000);
      $("call-time").textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
    }, 1000);
    getMedia().then((stream) => {
      if (!call) {
        stream.getTracks().forEach((t) => t.stop());
        return;
      }
      call.stream = stream;
      $("local-video").srcObject = stream;
      applyTrackStates();
      if (call.pendingOffer) {
        const { sdp, renegotiate } = call.pendingOffer;
        call.pendingOffer = null;
        answer(sdp, renegotiate);
      }
    });
  }

  function gathered(pc) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (pc.iceGatheringState === "complete") {
          pc.removeEventListener("icegatheringstatechange", check);
          resolve();
        }
      };
      pc.addEventListener("icegatheringstatechange", check);
      setTimeout(resolve, 5000);
    });
  }

  async function answer(sdp, renegotiate) {
    if (!call.stream) {
      call.pendingOffer = { sdp, renegotiate };
      return;
    }
    if (call.pc) {
      // aiortc cannot restart ICE: a renegotiation comes on a new connection.
      call.pc.close();
      call.pc = null;
      $("remote-video").srcObject = null;
    }
    const config = { iceServers: call.iceServers };
    if (forceRelay) config.iceTransportPolicy = "relay";
    const pc = new RTCPeerConnection(config);
    call.pc = pc;
    pc.addEventListener("track", (event) => {
      const video = $("remote-video");
      if (!video.srcObject) video.srcObject = new MediaStream();
      video.srcObject.addTrack(event.track);
    });
    pc.addEventListener("connectionstatechange", () => {
      root.dataset.connection = pc.connectionState;
    });
    try {
      await pc.setRemoteDescription({ type: "offer", sdp });
      for (const track of call.stream.getTracks()) pc.addTrack(track, call.stream);
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc);
      if (call && call.pc === pc) send({ type: "sdp.answer", call_id: call.id, sdp: pc.localDescription.sdp });
    } catch (error) {
      problem(`La connexion vidéo a échoué (${error.name}).`);
      return;
    }
    clearInterval(call.statsTimer);
    call.statsTimer = setInterval(sampleStats, STATS_EVERY_MS);
  }

  async function sampleStats() {
    if (!call || !call.pc) return;
    const report = await call.pc.getStats();
    let rtt = null;
    let lost = 0;
    let received = 0;
    let bytes = 0;
    let frames = 0;
    let route = "";
    report.forEach((s) => {
      if (s.type === "candidate-pair" && s.state === "succeeded" && s.currentRoundTripTime != null) {
        rtt = s.currentRoundTripTime * 1000;
        // Which way the media goes ("host/host" direct, "relay/relay" through TURN).
        const local = report.get(s.localCandidateId);
        const remote = report.get(s.remoteCandidateId);
        if (local && remote) route = `${local.candidateType}/${remote.candidateType}`;
      }
      if (s.type === "inbound-rtp") {
        lost += s.packetsLost || 0;
        received += s.packetsReceived || 0;
        bytes += s.bytesReceived || 0;
        if (s.kind === "video") frames = s.framesDecoded || 0;
      }
    });
    const now = performance.now();
    const last = call.last;
    call.last = { now, lost, received, bytes };
    let loss = null;
    let kbps = null;
    if (last) {
      const dLost = Math.max(0, lost - last.lost);
      const dReceived = Math.max(0, received - last.received);
      loss = dLost + dReceived > 0 ? (100 * dLost) / (dLost + dReceived) : 0;
      kbps = ((bytes - last.bytes) * 8) / (now - last.now);
    }
    $("rtt").textContent = rtt == null ? "—" : `${Math.round(rtt)} ms`;
    $("loss").textContent = loss == null ? "—" : `${loss.toFixed(1)} %`;
    $("bitrate").textContent = kbps == null ? "—" : `${Math.round(kbps)} kbit/s`;
    $("frames").textContent = String(frames);
    root.dataset.framesDecoded = String(frames);
    root.dataset.route = route;
    call.samples += 1;
    if (call.samples % REPORT_EVERY === 0) {
      const sample = { frames_decoded: frames };
      if (rtt != null) sample.rtt_ms = Math.min(rtt, 60000);
      if (loss != null) sample.loss_pct = Math.min(loss, 100);
      if (kbps != null) sample.bitrate_kbps = Math.max(0, kbps);
      send({ type: "call.quality", call_id: call.id, sample });
    }
  }

  function applyTrackStates() {
    if (!call || !call.stream) return;
    call.stream.getAudioTracks().forEach((t) => { t.enabled = !call.muted; });
    call.stream.getVideoTracks().forEach((t) => { t.enabled = !call.cameraOff && !call.audioOnly; });
  }

  function setAudioOnly(on, tellKiosk) {
    if (!call) return;
    call.audioOnly = on;
    action("audio-only").setAttribute("aria-pressed", String(on));
    action("audio-only").textContent = on ? "Remettre la vidéo" : "Son seul";
    $("sound-only").hidden = !on;
    $("remote-video").style.visibility = on ? "hidden" : "visible";
    applyTrackStates();
    if (tellKiosk) send({ type: "call.media", call_id: call.id, audio_only: on });
  }

  action("mute").addEventListener("click", () => {
    if (!call) return;
    call.muted = !call.muted;
    action("mute").setAttribute("aria-pressed", String(call.muted));
    action("mute").textContent = call.muted ? "Réactiver le micro" : "Couper le micro";
    applyTrackStates();
  });
  action("camera").addEventListener("click", () => {
    if (!call) return;
    call.cameraOff = !call.cameraOff;
    action("camera").setAttribute("aria-pressed", String(call.cameraOff));
    action("camera").textContent = call.cameraOff ? "Réactiver la caméra" : "Couper la caméra";
    applyTrackStates();
  });
  action("audio-only").addEventListener("click", () => setAudioOnly(!(call && call.audioOnly), true));
  action("hangup").addEventListener("click", () => {
    if (!call) return;
    const nextStep = $("next-step").value.trim();
    const message = { type: "call.hangup", call_id: call.id };
    if (nextStep) message.agreement = { next_step: nextStep.slice(0, 500) };
    send(message);
    endCall("adviser-hung-up");
  });
  $("next-step-form").addEventListener("submit", (event) => event.preventDefault());

  function endCall(reason) {
    if (!call) return;
    const ended = call;
    call = null;
    clearInterval(ended.timer);
    clearInterval(ended.statsTimer);
    if (ended.pc) ended.pc.close();
    if (ended.stream) ended.stream.getTracks().forEach((t) => t.stop());
    $("remote-video").srcObject = null;
    $("local-video").srcObject = null;
    root.dataset.call = "";
    root.dataset.lastEnd = reason;
    const seconds = Math.round((Date.now() - ended.started) / 1000);
    $("after-summary").textContent =
      `${REASONS[reason] || "L'appel est terminé."} Durée : ${Math.floor(seconds / 60)} min ${seconds % 60} s.`;
    show("after");
    renderQueue();
    // The booking module (a later version) listens for this to offer an appointment.
    root.dispatchEvent(new CustomEvent("gaia:call-ended", { detail: { callId: ended.id, reason, seconds } }));
  }
  action("back-to-queue").addEventListener("click", () => {
    show("queue");
    if (wantAvailable) warmUpMedia();
  });

  window.addEventListener("beforeunload", () => {
    stopped = true;
    if (ws) ws.close(1000, "page closed");
  });
  connect();
})();

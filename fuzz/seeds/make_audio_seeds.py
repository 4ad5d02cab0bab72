# Encode short clips of the repository's audio fixtures with libsndfile (soundfile).
import soundfile as sf, numpy as np, os, sys
fx = "crates/asmd/tests/fixtures/audio/"
out = "fuzz/seeds/"
st, sr = sf.read(fx + "audio_pcm16_stereo_44100.wav", dtype="float32")
st = st[48510:]              # the first 1.1 s are silent
clip = st[:4410]            # 0.1 s stereo
mono = clip[:, 0].copy()  # the channels cancel out when averaged
def w(name, data, rate, fmt, sub=None):
    d = out + name.split("/")[0]
    os.makedirs(d, exist_ok=True)
    sf.write(out + name, data, rate, format=fmt, subtype=sub)
w("audio_wav/pcm16_stereo_44100.wav", clip[:2000], 44100, "WAV", "PCM_16")
w("audio_wav/float32_mono_44100.wav", mono[:2000], 44100, "WAV", "FLOAT")
w("audio_wav/pcm24_stereo_48000.wav", clip[:1200], 48000, "WAV", "PCM_24")
w("audio_wav/u8_mono_8000.wav", mono[:800], 8000, "WAV", "PCM_U8")
w("audio_wav/pcm32_extensible.wav", clip[:1000], 44100, "WAVEX", "PCM_32")
w("audio_wav/ulaw_mono_8000.wav", mono[:800], 8000, "WAV", "ULAW")
w("audio_wav/double_mono_22050.wav", mono[:1000], 22050, "WAV", "DOUBLE")
w("audio_flac/stereo_44100.flac", clip, 44100, "FLAC", "PCM_16")
w("audio_flac/mono_24bit_48000.flac", mono[:2400], 48000, "FLAC", "PCM_24")
w("audio_mp3/stereo_44100.mp3", st[:8820], 44100, "MP3", "MPEG_LAYER_III")
w("audio_mp3/mono_22050.mp3", mono, 22050, "MP3", "MPEG_LAYER_III")
w("audio_ogg/stereo_44100.ogg", clip, 44100, "OGG", "VORBIS")
w("audio_ogg/mono_22050.ogg", mono, 22050, "OGG", "VORBIS")

#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/) from the golden
frames (tests/golden/frames.hex) and a few hand-made valid inputs. Rerun after a protocol
change; the files it writes are checked in."""
import os
import struct
import subprocess
import sys

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
corpus = os.path.join(root, "tests", "fuzz", "corpus")


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def write(target: str, name: str, data: bytes) -> None:
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def str16(s: bytes) -> bytes:
    return struct.pack("<H", len(s)) + s


def batch_body(payload: bytes, raw_size: int, codec: int, events: int, seq: int = 1) -> bytes:
    t = 1_790_000_000_000
    header = (bytes([1]) + str16(b"h1") + str16(b"events") + struct.pack("<QII I", seq, events, raw_size, len(payload))
              + struct.pack("<qq", t, t + 1000) + struct.pack("<QQQQQ", 2049, 1234, 0xCAFE, 0, raw_size)
              + bytes([codec, 0]) + struct.pack("<IQ", crc32c(payload), 0))
    return header + struct.pack("<I", len(payload)) + payload


golden = {}
with open(os.path.join(root, "tests", "golden", "frames.hex")) as f:
    for line in f:
        if line.strip():
            name, hexbytes = line.split()
            golden[name] = bytes.fromhex(hexbytes)

# Frame decoder: the first byte picks the feed chunk size.
for name, frame in golden.items():
    write("frame_decoder_fuzz", name.lower(), bytes([63]) + frame)
write("frame_decoder_fuzz", "all_frames_in_small_chunks", bytes([2]) + b"".join(golden.values()))

# Batch decoder: bodies of valid BATCH frames, plain and zstd.
write("batch_decode_fuzz", "golden_batch", golden["BATCH"][16:])
raw = b"<134>Nov 23 07:48:36 h1 app: hello\n<134>Nov 23 07:48:37 h1 app: world\n"
write("batch_decode_fuzz", "plain_two_events", batch_body(raw, len(raw), 0, 2))
zst = subprocess.run(["zstd", "-q", "-c", "--content-size"], input=raw, capture_output=True, check=True).stdout
write("batch_decode_fuzz", "zstd_two_events", batch_body(zst, len(raw), 1, 2))

# Syslog times: 8 bytes of read time (ms, little-endian), then the line.
read_time = struct.pack("<q", 1_790_000_000_000)
for i, line in enumerate([
        b"<134>Nov 23 07:48:36 h1 app: hello",
        b"Jan  1 00:00:01 host app: new year",
        b"<165>1 2026-11-23T06:57:01.123Z host app - - - msg",
        b"2026-11-23T06:57:01+02:00 plain iso",
        b"2026-11-23 06:57:01.5 no zone",
        b"no timestamp at all"]):
    write("syslog_time_fuzz", f"line{i}", read_time + line)

# Configs: a valid broker, agent and consumer file, and the sections each reads.
write("config_fuzz", "broker", b'''node_id = "broker-1"
dc = "dc1"
listen = "127.0.0.1:7400"
http_listen = "127.0.0.1:7480"
data_dir = "/nonexistent/ferry-fuzz"
consumers = ["127.0.0.1:7500"]
max_frame_bytes = "16MiB"
[tls]
cert = "b.crt"
key = "b.key"
ca = "ca.crt"
[store]
disk_budget = "10GiB"
retention = "24h"
[forward]
window_batches = 4096
[connections]
max_connections = 20000
max_connections_per_address = 2000
idle_timeout = "30s"
max_write_queue = "64MiB"
[consumer_socket]
send_buffer = "4MiB"
congestion = "bbr"
''')
write("config_fuzz", "agent", b'''host = "h1"
dc = "dc1"
brokers = ["127.0.0.1:7400", "[::1]:7401"]
state_dir = "/nonexistent/ferry-fuzz-agent"
status_interval = "500ms"
[[source]]
category = "events"
paths = ["/var/log/ferry/events*.log"]
[tls]
cert = "h1.crt"
key = "h1.key"
ca = "ca.crt"
[batch]
linger = "50ms"
max_bytes = "1MiB"
[window]
batches = 4000
bytes = "400MiB"
''')
write("config_fuzz", "consumer", b'''node_id = "consumer-1"
listen = "127.0.0.1:7500"
http_listen = "127.0.0.1:7580"
data_dir = "/nonexistent/ferry-fuzz-consumer"
allowed_brokers = ["dc1/broker-1", "dc2/broker-2"]
max_pending_adds = 4096
[tls]
cert = "c.crt"
key = "c.key"
ca = "ca.crt"
[output]
sink = "webhdfs"
format = "zstd"
roll_bytes = "128MiB"
roll_age = "60s"
roll_host_batches = 128
file_mode = "0640"
dir_mode = "0750"
[webhdfs]
namenode = "https://nn1.example.net:9871"
ca_file = "hdfs-ca.pem"
root = "/ferry"
datanodes = ["dn1.example.net"]
timeout = "30s"
[hours]
lookback = "6h"
silent_timeout = "30m"
idle_stream_expiry = "24h"
[connections]
max_connections = 64
idle_timeout = "30s"
[http]
allowed_hosts = ["ferry.example.net"]
header_timeout = "5s"
''')
write("config_fuzz", "consumer-posix", b'''node_id = "c2"
data_dir = "/nonexistent/d"
output_root = "/nonexistent/o"
[tls]
cert = "c.crt"
key = "c.key"
ca = "ca.crt"
[output]
format = "plain"
''')
# Gzipped rotated files: one member, two members in a row, and one cut short.
import gzip
lines = b"".join(b"<134>1 2026-11-23T06:57:%02d.000Z h1 app - - - id=h1:%d\n" % (i % 60, i) for i in range(200))
gz = gzip.compress(lines, mtime=0)
write("gzip_stream_fuzz", "one_member", bytes([3]) + gz)
write("gzip_stream_fuzz", "two_members", bytes([0]) + gzip.compress(b"a\n", mtime=0) + gzip.compress(b"b\n", mtime=0))
write("gzip_stream_fuzz", "truncated", bytes([40]) + gz[: len(gz) // 2])
print("seeds written under", corpus, file=sys.stderr)

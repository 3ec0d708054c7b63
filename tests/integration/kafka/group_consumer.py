#!/usr/bin/python3
# A consumer-group member for LiveSubscribeTest: subscribes to TOPIC with GROUP, prints
# "OFFSET VALUE" for each message after committing it synchronously, and once it has
# printed COUNT messages prints READY and waits (to be SIGKILLed while still a member).
# COUNT 0: runs until it has seen UNTIL_OFFSET, then exits.
import sys
from confluent_kafka import Consumer
from ferry_client import client_config

bootstrap, topic, group, ca, cert, key, count, until = sys.argv[1:9]
count, until = int(count), int(until)
c = Consumer(client_config(bootstrap, ca, cert, key, **{
    "group.id": group,
    "auto.offset.reset": "earliest",
    "session.timeout.ms": 6000,
    "heartbeat.interval.ms": 500,
}))
c.subscribe([topic])
seen = 0
while True:
    m = c.poll(0.5)
    if m is None:
        continue
    if m.error():
        print("ERROR", m.error(), flush=True)
        continue
    c.commit(message=m, asynchronous=False)
    print(m.offset(), m.value().decode(), flush=True)
    seen += 1
    if count and seen == count:
        print("READY", flush=True)
        while True:
            c.poll(0.5)  # stays a member, heartbeating, until killed
    if not count and m.offset() >= until:
        c.close()
        sys.exit(0)

# What both test clients pass to librdkafka: the Ferry consumer's Kafka listener over TLS
# with the subscriber certificate, offsets committed only when a script says so.
def client_config(bootstrap, ca, cert, key, **extra):
    config = {
        "bootstrap.servers": bootstrap,
        "security.protocol": "ssl",
        "ssl.ca.location": ca,
        "ssl.certificate.location": cert,
        "ssl.key.location": key,
        "enable.auto.commit": False,
    }
    config.update(extra)
    return config

"""The embedded emulated cloud: moto on loopback, a gateway that runs Lambda code for real."""

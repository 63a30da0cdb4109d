namespace OpenBekenHub.Mqtt.Tests;

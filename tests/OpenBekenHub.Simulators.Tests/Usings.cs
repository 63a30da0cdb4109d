namespace OpenBekenHub.Simulators.Tests;

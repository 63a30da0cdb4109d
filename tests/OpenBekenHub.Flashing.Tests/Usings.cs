namespace OpenBekenHub.Flashing.Tests;

namespace OpenBekenHub.Provisioning.Tests;

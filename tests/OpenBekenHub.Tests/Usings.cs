namespace OpenBekenHub.Tests;

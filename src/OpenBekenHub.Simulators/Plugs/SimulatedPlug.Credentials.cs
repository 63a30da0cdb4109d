namespace OpenBekenHub.Simulators.Plugs;

/// <summary>
/// MQTT login settings as the firmware keeps them (openbeken.md §1.1, §4.2): <c>MqttUser</c>, <c>MqttPassword</c> and
/// <c>MqttClient</c> store the new value in the config; the running connection keeps the old one until the next
/// boot ("Restart after changing host or credentials").
/// </summary>
public sealed partial class SimulatedPlug
{
    private readonly Lock _credentialGate = new();
    private string? _storedUser;
    private string? _storedPassword;
    private string? _storedClientTopic;
    private string? _activeUser;
    private string? _activePassword;
    private string? _activeClientTopic;
    private bool _credentialsLoaded;

    /// <summary>The MQTT username the plug logs in with now (applied at boot).</summary>
    public string? MqttUsername
    {
        get
        {
            lock (_credentialGate)
            {
                return _credentialsLoaded ? _activeUser : Settings.Username;
            }
        }
    }

    /// <summary>The MQTT username stored in the config (used from the next boot).</summary>
    public string? StoredMqttUsername
    {
        get
        {
            lock (_credentialGate)
            {
                return _credentialsLoaded ? _storedUser : Settings.Username;
            }
        }
    }

    private string? MqttLoginPassword
    {
        get
        {
            lock (_credentialGate)
            {
                return _credentialsLoaded ? _activePassword : Settings.Password;
            }
        }
    }

    /// <summary>Boot: the stored settings become the active ones.</summary>
    private void ApplyStoredCredentials()
    {
        lock (_credentialGate)
        {
            if (!_credentialsLoaded)
            {
                _storedUser = Settings.Username;
                _storedPassword = Settings.Password;
                _storedClientTopic = Settings.ClientTopic;
                _credentialsLoaded = true;
            }
            _activeUser = _storedUser;
            _activePassword = _storedPassword;
            _activeClientTopic = _storedClientTopic;
        }
    }

    /// <summary>Handles the MQTT settings commands; false for any other command.</summary>
    private bool RunMqttSettingCommand(string upperName, string args)
    {
        var value = args.Trim().Trim('"');
        lock (_credentialGate)
        {
            if (!_credentialsLoaded)
            {
                return false;
            }
            switch (upperName)
            {
                case "MQTTUSER":
                    _storedUser = value.Length > 0 ? value : null;
                    return true;
                case "MQTTPASSWORD":
                    _storedPassword = value.Length > 0 ? value : null;
                    return true;
                case "MQTTCLIENT":
                    if (value.Length > 0)
                    {
                        _storedClientTopic = value;
                    }
                    return true;
                default:
                    return false;
            }
        }
    }
}

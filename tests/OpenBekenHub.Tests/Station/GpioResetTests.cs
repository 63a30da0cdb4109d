using System.Device.Gpio;
using Microsoft.Extensions.DependencyInjection;
using OpenBekenHub.Jobs;
using OpenBekenHub.Library;
using OpenBekenHub.Simulators.Bootloader;
using OpenBekenHub.Simulators.Images;
using OpenBekenHub.Station;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Station;

public sealed class GpioResetTests
{
    [Fact]
    public async Task A_CEN_pulse_drives_the_line_low_for_the_pulse_time_then_releases_it_even_when_cancelled()
    {
        var driver = new RecordingGpioDriver();
        using var controller = new GpioController(driver);
        var reset = new GpioResetStrategy(controller, new StationPortOptions { Port = "/dev/ttyUSB0", CenGpio = 17, PulseMs = 50 });

        await reset.PulseAsync(null!, CancellationToken.None);
        Assert.Equal([(17, PinValue.Low), (17, PinValue.High)], driver.Writes.Select(w => (w.Pin, w.Value)).ToArray()[^2..]);
        Assert.True(driver.Writes[^1].At - driver.Writes[^2].At >= TimeSpan.FromMilliseconds(45));

        using var cancelled = new CancellationTokenSource();
        var pulse = reset.PulseAsync(null!, cancelled.Token);
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pulse);
        Assert.Equal(PinValue.High, driver.Writes[^1].Value);
    }

    [Fact]
    public async Task Without_a_CEN_line_the_relay_power_cycles_the_plug_honouring_active_low_boards()
    {
        var driver = new RecordingGpioDriver();
        using var controller = new GpioController(driver);
        var reset = new GpioResetStrategy(controller, new StationPortOptions { Port = "p", PowerGpio = 27, PowerActiveLow = true, PowerOffMs = 100 });
        await reset.PulseAsync(null!, CancellationToken.None);
        Assert.Equal([(27, PinValue.High), (27, PinValue.Low)], driver.Writes.Select(w => (w.Pin, w.Value)).ToArray()[^2..]);
    }

    [Fact]
    public async Task An_unattended_station_catches_a_silent_chip_by_pulsing_CEN_from_GPIO()
    {
        // the chip stays silent until it is reset; only the GPIO pulse can make it answer
        await using var station = await FlashStation.StartAsync(EmulatedChip.Bk7231T, o => o.Faults.GoSilentAfterReplies = 0);
        var driver = new RecordingGpioDriver { OnWrite = (pin, value) => { if (pin == 17 && value == PinValue.Low) { station.Pty.Emulator.Reset(); } } };
        await using var hub = await HubHost.StartAsync(null,
            services => services.AddSingleton<Func<GpioController>>(_ => () => new GpioController(driver)),
            $"--Stations:Ports:0:Port={station.Port}", "--Stations:Ports:0:CenGpio=17");
        var firmware = await hub.Service<FirmwareLibrary>().AddAsync("OpenBK7231T_UA_1.18.0.bin", SyntheticFirmware.Ua(300_000));

        var job = await hub.Service<FlashJobRunner>().StartAsync(new FlashJobRequest { Port = station.Port, FirmwareId = firmware.Entry!.Id, CatchSeconds = 30 });
        var state = await job.Completion.Task.WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(state == JobState.Succeeded, job.View().Error);
        Assert.Contains(driver.Writes, w => w.Pin == 17 && w.Value == PinValue.Low);
        Assert.Contains(job.View().Log, l => l.Text.Contains("GPIO17", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_station_without_any_GPIO_line_stops_start_up_with_a_clear_message()
    {
        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            HubHost.StartAsync("--Stations:Ports:0:Port=/dev/ttyUSB0"));
        Assert.Contains("set CenGpio and/or PowerGpio", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>A GpioDriver that records writes (the library's seam for hardware-free tests).</summary>
    private sealed class RecordingGpioDriver : GpioDriver
    {
        private readonly Dictionary<int, PinMode> _modes = [];
        private readonly Dictionary<int, PinValue> _values = [];

        public List<(int Pin, PinValue Value, TimeSpan At)> Writes { get; } = [];

        public Action<int, PinValue>? OnWrite { get; init; }

        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

        protected override int PinCount => 54;

        protected override void OpenPin(int pinNumber) => _modes[pinNumber] = PinMode.Input;

        protected override void ClosePin(int pinNumber) => _modes.Remove(pinNumber);

        protected override void SetPinMode(int pinNumber, PinMode mode) => _modes[pinNumber] = mode;

        protected override PinMode GetPinMode(int pinNumber) => _modes.GetValueOrDefault(pinNumber);

        protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;

        protected override PinValue Read(int pinNumber) => _values.GetValueOrDefault(pinNumber, PinValue.Low);

        protected override void Write(int pinNumber, PinValue value)
        {
            _values[pinNumber] = value;
            lock (Writes)
            {
                Writes.Add((pinNumber, value, _clock.Elapsed));
            }
            OnWrite?.Invoke(pinNumber, value);
        }

        protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
            new() { TimedOut = true };

        protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
        {
        }

        protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
        {
        }
    }
}

namespace ActorRec.Actors;

/// <summary>
/// Named timers that send a message to the actor itself, driven by the system's TimeProvider. Starting a timer with
/// a key that is active replaces the old timer; after <see cref="Cancel"/> (or a replacement) no message of the old
/// timer is delivered, even one already in the mailbox. All timers are cancelled when the actor stops or restarts.
/// </summary>
public interface ITimerScheduler
{
    void StartSingleTimer(object key, object message, TimeSpan delay);

    void StartPeriodicTimer(object key, object message, TimeSpan interval);

    void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval);

    bool IsTimerActive(object key);

    void Cancel(object key);

    void CancelAll();
}

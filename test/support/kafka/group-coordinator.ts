/**
 * Consumer group coordinator of the Kafka test broker (filled in by stage 2).
 * TEST HARNESS ONLY — see docs/KAFKA-TEST-BROKER.md.
 */
export class GroupCoordinator {
  committedOffset(_group: string, _topic: string, _partition: number): number | undefined {
    return undefined;
  }

  shutdown(): void {}
}

import { Gauge, type Registry } from 'prom-client';
import type { RobotMemory } from '../robots/memory.js';

/** The robots' memory on `/metrics`: what it kept and lost since this start, and the start's replay. */
export function robotMemoryGauges(registry: Registry, memory: RobotMemory): void {
  const gauge = (name: string, help: string, pick: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(pick());
      },
    });
  gauge('banya_robot_memory_events_written', 'Robot events (and robot actions) kept in the store since this start', () => memory.stats.written);
  gauge('banya_robot_memory_events_lost', 'Robot events the store refused to keep since this start (robots still heard them)', () => memory.stats.lost);
  gauge('banya_robot_memory_replayed_events', "Events the start's replay rebuilt the robots' evidence from", () => memory.lastReplay.events);
  gauge('banya_robot_memory_replay_seconds', "How long the start's replay took (wall clock)", () => memory.lastReplay.ms / 1000);
}

import { describe, expect, it } from 'vitest';
import { ordinal } from '../../network-models/demo/build-grid-network.js';
import { gridCityNetwork } from '../../network-models/index.js';

describe('demo street names', () => {
  it('use English ordinals (they read "1th/2th/3th Ave")', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '23rd', '101st', '111th']);
    expect(gridCityNetwork().intersections.map((x) => x.name).slice(0, 4)).toEqual(['A St & 1st Ave', 'A St & 2nd Ave', 'A St & 3rd Ave', 'A St & 4th Ave']);
  });
});

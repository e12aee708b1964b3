/* nbody: a leapfrog simulation of five bodies under gravity in double
 * precision — dependent floating-point arithmetic and square roots.
 * usage: nbody [STEPS]; prints the system's energy before and after. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum { BODIES = 5 };

static const double PI = 3.141592653589793;
#define YEAR_DAYS 365.24
#define SOLAR_MASS (4 * PI * PI)

struct body {
    double x, y, z, vx, vy, vz, mass;
};

/* The Sun and the four giant planets; velocities in AU per year. */
static struct body sys[BODIES] = {
    {0, 0, 0, 0, 0, 0, SOLAR_MASS},
    {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
     1.66007664274403694e-03 * YEAR_DAYS, 7.69901118419740425e-03 * YEAR_DAYS,
     -6.90460016972063023e-05 * YEAR_DAYS, 9.54791938424326609e-04 * SOLAR_MASS},
    {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
     -2.76742510726862411e-03 * YEAR_DAYS, 4.99852801234917238e-03 * YEAR_DAYS,
     2.30417297573763929e-05 * YEAR_DAYS, 2.85885980666130812e-04 * SOLAR_MASS},
    {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
     2.96460137564761618e-03 * YEAR_DAYS, 2.37847173959480950e-03 * YEAR_DAYS,
     -2.96589568540237556e-05 * YEAR_DAYS, 4.36624404335156298e-05 * SOLAR_MASS},
    {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
     2.68067772490389322e-03 * YEAR_DAYS, 1.62824170038242295e-03 * YEAR_DAYS,
     -9.51592254519715870e-05 * YEAR_DAYS, 5.15138902046611451e-05 * SOLAR_MASS},
};

static double energy(void)
{
    double e = 0;
    for (int i = 0; i < BODIES; i++) {
        struct body *a = &sys[i];
        e += 0.5 * a->mass * (a->vx * a->vx + a->vy * a->vy + a->vz * a->vz);
        for (int j = i + 1; j < BODIES; j++) {
            struct body *b = &sys[j];
            double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
            e -= a->mass * b->mass / sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

static void advance(double dt)
{
    for (int i = 0; i < BODIES; i++) {
        struct body *a = &sys[i];
        for (int j = i + 1; j < BODIES; j++) {
            struct body *b = &sys[j];
            double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
            double d2 = dx * dx + dy * dy + dz * dz;
            double mag = dt / (d2 * sqrt(d2));
            a->vx -= dx * b->mass * mag;
            a->vy -= dy * b->mass * mag;
            a->vz -= dz * b->mass * mag;
            b->vx += dx * a->mass * mag;
            b->vy += dy * a->mass * mag;
            b->vz += dz * a->mass * mag;
        }
    }
    for (int i = 0; i < BODIES; i++) {
        sys[i].x += dt * sys[i].vx;
        sys[i].y += dt * sys[i].vy;
        sys[i].z += dt * sys[i].vz;
    }
}

int main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 2000000;
    double px = 0, py = 0, pz = 0;
    /* Give the Sun the momentum that makes the system's total zero. */
    for (int i = 0; i < BODIES; i++) {
        px += sys[i].vx * sys[i].mass;
        py += sys[i].vy * sys[i].mass;
        pz += sys[i].vz * sys[i].mass;
    }
    sys[0].vx = -px / SOLAR_MASS;
    sys[0].vy = -py / SOLAR_MASS;
    sys[0].vz = -pz / SOLAR_MASS;
    printf("%.9f\n", energy());
    for (int s = 0; s < steps; s++)
        advance(0.01);
    printf("%.9f\n", energy());
    return 0;
}
